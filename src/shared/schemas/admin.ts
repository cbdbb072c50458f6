import { z } from "zod";
import { hasControlCharacter, pageSchema } from "./account";

export const siteSettingsSchema = z.object({
  openRegistration: z.boolean(),
  /**
   * Whether account pictures come from Gravatar. Off by default: every picture shown would tell Gravatar who reads
   * this site; avatars are drawn from the name instead. Forms that leave it out keep its value.
   */
  gravatar: z.boolean().optional(),
});
export type SiteSettings = z.infer<typeof siteSettingsSchema>;

const searchQuerySchema = z
  .string()
  .trim()
  .max(100)
  .refine((query) => !hasControlCharacter(query), "Search terms cannot contain control characters.")
  .optional();

export const listUsersSchema = pageSchema.extend({ query: searchQuerySchema });

/** Admin → Organizations, a page at a time in name order: `after` is the last name of the page before. */
export const listOrganizationsSchema = z.object({
  query: searchQuerySchema,
  after: z
    .string()
    .max(100)
    .refine((name) => !hasControlCharacter(name), "Names have no control characters.")
    .optional(),
  pageSize: z.number().int().min(1).max(100).default(50),
});

export const setUserActiveSchema = z.object({
  userId: z.uuid("Unknown account."),
  active: z.boolean(),
});

export const idSchema = z.object({ id: z.uuid("Unknown item.") });

/** The top bar's Users page: people signed in lately, a page at a time in name order after `after`. */
export const listActiveUsersSchema = z.object({
  after: z
    .string()
    .max(100)
    .refine((name) => !hasControlCharacter(name), "Names have no control characters.")
    .optional(),
  pageSize: z.number().int().min(1).max(100).default(50),
});
