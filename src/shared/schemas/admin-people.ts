/** Admin → Users, Password Reset and the Security Log: what their forms and procedures accept. */
import { z } from "zod";
import { hasControlCharacter, pageSchema } from "./account";

const searchQuerySchema = z
  .string()
  .trim()
  .max(100)
  .refine((query) => !hasControlCharacter(query), "Search terms cannot contain control characters.")
  .optional();

/** The orders of Admin → Users; each has its natural direction (names A to Z, the rest largest or newest first). */
export const adminUserSorts = ["username", "created", "last_seen", "packages"] as const;
export type AdminUserSort = (typeof adminUserSorts)[number];
export const adminUserSortLabels: Record<AdminUserSort, string> = {
  username: "Username (A to Z)",
  created: "Newest accounts first",
  last_seen: "Last seen, most recent first",
  packages: "Most packages first",
};

export const listAdminUsersSchema = pageSchema.extend({
  query: searchQuerySchema,
  sort: z.enum(adminUserSorts).default("username"),
});

export const setUserAdminSchema = z.object({
  userId: z.uuid("Unknown account."),
  admin: z.boolean(),
});

/** Staff → Password Reset: the account is named as typed, like the seed's form. */
export const passwordResetLinkSchema = z.object({
  username: z
    .string()
    .trim()
    .min(1, "Enter a username.")
    .max(100, "Usernames are at most 100 characters.")
    .refine((name) => !hasControlCharacter(name), "Usernames have no control characters."),
});
export type PasswordResetLinkInput = z.input<typeof passwordResetLinkSchema>;

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const daySchema = z
  .string()
  .regex(dayPattern, "Dates are written YYYY-MM-DD.")
  // A round trip, since Date.parse takes 31 February for 3 March.
  .refine((day) => {
    const parsed = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
  }, "This is not a date.")
  .optional();

/**
 * The Security Log's filters, all kept in the page's address: an action, who acted (a username), a range of days
 * (UTC, both ends included), and `after`, the last event of the page before (pages follow one another by time).
 */
export const securityLogFilterSchema = z
  .object({
    action: z
      .string()
      .max(100)
      .regex(/^[a-z0-9_.]*$/, "Actions are written like admin.user_deactivated.")
      .optional(),
    actor: z
      .string()
      .trim()
      .max(100)
      .refine((name) => !hasControlCharacter(name), "Usernames have no control characters.")
      .optional(),
    from: daySchema,
    until: daySchema,
    after: z.uuid("This page link is not valid.").optional(),
    pageSize: z.number().int().min(1).max(100).default(50),
  })
  .refine((filter) => !filter.from || !filter.until || filter.from <= filter.until, { path: ["until"], message: "The range ends before it starts." });
export type SecurityLogFilter = z.input<typeof securityLogFilterSchema>;

export const securityEventSchema = z.object({ id: z.uuid("Unknown event.") });

export const profileMembershipsSchema = z.object({
  username: z
    .string()
    .max(100)
    .refine((name) => !hasControlCharacter(name), "Usernames have no control characters."),
});

/** The orders of Admin → Organizations; names A to Z, the rest largest or newest first. */
export const adminOrganizationSorts = ["name", "created", "members", "packages"] as const;
export type AdminOrganizationSort = (typeof adminOrganizationSorts)[number];
export const adminOrganizationSortLabels: Record<AdminOrganizationSort, string> = {
  name: "Name (A to Z)",
  created: "Newest first",
  members: "Most members first",
  packages: "Most packages first",
};

export const listAdminOrganizationsSchema = pageSchema.extend({
  query: searchQuerySchema,
  sort: z.enum(adminOrganizationSorts).default("name"),
});
