/** Plans and billing: forms and procedures alike. */
import { z } from "zod";
import { ownerNameSchema } from "./packages";

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
  name: z.string().trim().min(1, "Enter a name.").max(64, "Names are at most 64 characters."),
  description: z.string().trim().max(500, "Descriptions are at most 500 characters.").default(""),
  /** Null: no limit. */
  maxPrivatePackages: limitSchema,
  maxStorageBytes: limitSchema,
  selfService: z.boolean(),
  priceLabel: z.string().trim().max(64, "At most 64 characters.").default(""),
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
