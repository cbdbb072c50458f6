import { z } from "zod";
import { hasControlCharacter, pageSchema } from "./account";

export const siteSettingsSchema = z.object({
  openRegistration: z.boolean(),
});
export type SiteSettings = z.infer<typeof siteSettingsSchema>;

export const listUsersSchema = pageSchema.extend({
  query: z
    .string()
    .trim()
    .max(100)
    .refine((query) => !hasControlCharacter(query), "Search terms cannot contain control characters.")
    .optional(),
});

export const setUserActiveSchema = z.object({
  userId: z.uuid("Unknown account."),
  active: z.boolean(),
});

export const idSchema = z.object({ id: z.uuid("Unknown item.") });
