/** Plans and billing: forms and procedures alike. */
import { z } from "zod";
import { bytesPerGigabyte } from "../format-bytes";
import { hasControlCharacter } from "./account";
import { ownerNameSchema } from "./packages";

const plainText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .refine((text) => !hasControlCharacter(text), "Use plain text, without control characters.");

export const planSlugSchema = z
  .string({ error: "Choose a plan." })
  .trim()
  .min(1, "Choose a plan.")
  .max(64)
  .regex(/^[a-z0-9-]+$/, "Choose a plan.");

export const billingRefSchema = z.object({ owner: ownerNameSchema });
export const changePlanSchema = z.object({ owner: ownerNameSchema, plan: planSlugSchema });
export const assignPlanSchema = z.object({ owner: ownerNameSchema, plan: planSlugSchema });

const limitSchema = z.number().int("Enter a whole number.").min(0, "Limits cannot be negative.").nullable();

export const updatePlanSchema = z.object({
  slug: planSlugSchema,
  name: plainText(64, "Names are at most 64 characters.").pipe(z.string().min(1, "Enter a name.")),
  description: plainText(500, "Descriptions are at most 500 characters.").default(""),
  /** Null: no limit. */
  maxPrivatePackages: limitSchema,
  maxStorageBytes: limitSchema,
  selfService: z.boolean(),
  priceLabel: plainText(64, "At most 64 characters.").default(""),
});

const domainPattern = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Domains whose confirmed addresses get the Academic plan: `edu` covers every address under .edu. */
export const academicDomainsSchema = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .transform((domain) => domain.replace(/^\.+/, ""))
      .pipe(z.string().regex(domainPattern, "Enter domains such as edu or ac.uk.")),
  )
  .max(200, "At most 200 domains.");

// ---------------------------------------------------------------------------------------------- the admin's forms

/** How a storage limit in bytes reads in the form: gigabytes, to three decimals. */
export function gigabytesOf(bytes: number | null): string {
  return bytes === null ? "" : String(Number((bytes / bytesPerGigabyte).toFixed(3)));
}

/**
 * Admin → Plans: the limits are typed as text, empty for no limit, and storage in gigabytes; the other fields are
 * updatePlanSchema's own, and the output is its input.
 */
export const planFormSchema = z
  .object({
    slug: planSlugSchema,
    name: updatePlanSchema.shape.name,
    description: updatePlanSchema.shape.description,
    priceLabel: updatePlanSchema.shape.priceLabel,
    selfService: updatePlanSchema.shape.selfService,
    maxPrivatePackages: z
      .string()
      .trim()
      .regex(/^\d{0,9}$/, "Enter a whole number, or leave it empty for no limit."),
    maxStorageGigabytes: z
      .string()
      .trim()
      .regex(/^(\d{1,7}(\.\d{1,3})?)?$/, "Enter a number of gigabytes such as 10 or 0.5, or leave it empty for no limit."),
  })
  .transform(({ maxPrivatePackages, maxStorageGigabytes, ...plan }) => ({
    ...plan,
    maxPrivatePackages: maxPrivatePackages === "" ? null : Number(maxPrivatePackages),
    maxStorageBytes: maxStorageGigabytes === "" ? null : Math.round(Number(maxStorageGigabytes) * bytesPerGigabyte),
  }));

/** The academic domains as the admin types them: one a line (or separated by spaces or commas). */
export const academicDomainsFormSchema = z.object({
  domains: z
    .string()
    .max(60_000, "That is too long.")
    .transform((text, context) => {
      const entries = text.split(/[\s,]+/).filter(Boolean);
      const parsed = academicDomainsSchema.safeParse(entries);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      const entry = typeof issue?.path[0] === "number" ? entries[issue.path[0]] : undefined;
      context.addIssue({ code: "custom", message: entry ? `${entry} is not a domain. ${issue?.message}` : (issue?.message ?? "Enter domains such as edu or ac.uk.") });
      return z.NEVER;
    }),
});
