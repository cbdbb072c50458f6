/** Plans and billing: forms and procedures alike. */
import { z } from "zod";
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
