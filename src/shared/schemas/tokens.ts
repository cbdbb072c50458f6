/**
 * Access token inputs, shared by the token settings form and the tRPC procedures. Errors land on the form's
 * fields: `name`, `scopes`, `channel`, `expiresInDays`.
 */
import { z } from "zod";
import { defaultTokenLifetimeDays, isTokenScope, maxTokenLifetimeDays, tokenScopeNames, type TokenScope } from "../token-scopes";
import { hasControlCharacter } from "./account";
import { ownerNameSchema } from "./packages";

export const tokenNameSchema = z
  .string({ error: "Name the token." })
  .trim()
  .min(1, "Name the token.")
  .max(100, "Token names are at most 100 characters.")
  .refine((name) => !hasControlCharacter(name), "Token names have no control characters.");

export const tokenScopesSchema = z
  .array(z.string({ error: "Scopes are names such as conda:download." }), { error: "Choose at least one scope." })
  .min(1, "Choose at least one scope.")
  .max(tokenScopeNames.length * 2, "That is more scopes than exist.")
  .superRefine((scopes, context) => {
    const unknown = scopes.filter((scope) => !isTokenScope(scope));
    if (unknown.length > 0) {
      context.addIssue({
        code: "custom",
        message: `Unknown scope${unknown.length === 1 ? "" : "s"}: ${unknown.join(", ").slice(0, 200)}. Choose from ${tokenScopeNames.join(", ")}.`,
      });
    }
  })
  .transform((scopes) => [...new Set(scopes)] as TokenScope[]);

/** An owner name; the form's empty field means "no restriction". */
const channelSchema = z
  .string({ error: "Name a user or channel, or leave this empty." })
  .trim()
  .max(100, "Channel names are at most 100 characters.")
  .refine((channel) => !hasControlCharacter(channel), "Channel names have no control characters.")
  .optional()
  .transform((channel) => (channel ? channel : undefined));

export const tokenLifetimeSchema = z
  .number({ error: "Enter a number of days." })
  .int("Enter a whole number of days.")
  .min(1, "Tokens last at least one day.")
  .max(maxTokenLifetimeDays, `Tokens last at most ${maxTokenLifetimeDays} days.`);

export const createTokenSchema = z.object({
  name: tokenNameSchema,
  scopes: tokenScopesSchema,
  channel: channelSchema,
  expiresInDays: tokenLifetimeSchema.default(defaultTokenLifetimeDays),
});

const tokenIdSchema = z.string({ error: "Name the token by its id." }).trim().min(1, "Name the token by its id.").max(100, "That is not a token id.");

export const revokeTokenSchema = z
  .object({ id: tokenIdSchema.optional(), name: tokenNameSchema.optional() })
  .refine((input) => (input.id === undefined) !== (input.name === undefined), "Give the token's id or its name (exactly one).");

export const regenerateTokenSchema = z.object({ id: tokenIdSchema });

/** Whose tokens to list: the caller's own when no owner is named (the CLI), the page's owner on /<owner>/settings/access. */
export const listTokensSchema = z.object({ owner: ownerNameSchema.optional() }).default({});

/** Reporters are strangers: what they write goes into the audit trail and an e-mail, so it stays printable. */
function withoutControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, " ");
}

/** Secret scanners send batches; a larger one is refused whole (400) rather than cut short. */
export const maxLeakReportEntries = 100;

/**
 * What secret scanners send to the leak-report endpoint (GitHub's format; extra fields are ignored). Whoever
 * holds a secret may report it.
 */
export const leakReportSchema = z
  .array(
    z.object({
      token: z.string().max(500),
      url: z.string().max(2000).transform(withoutControlCharacters).optional(),
      source: z.string().max(200).transform(withoutControlCharacters).optional(),
    }),
  )
  .max(maxLeakReportEntries, `Report at most ${maxLeakReportEntries} tokens at a time.`);

export type CreateTokenInput = z.input<typeof createTokenSchema>;
export type RevokeTokenInput = z.input<typeof revokeTokenSchema>;
export type RegenerateTokenInput = z.input<typeof regenerateTokenSchema>;
export type LeakReport = z.infer<typeof leakReportSchema>;
