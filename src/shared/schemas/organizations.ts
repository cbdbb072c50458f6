/** Organizations, their members and groups, package collaborators and transfers: forms and procedures alike. */
import { z } from "zod";
import { emailSchema, hasControlCharacter, passwordSchema, usernameSchema } from "./account";
import { ownerNameSchema, packageRefSchema } from "./packages";

/** An organization's name follows the rules of usernames: one namespace holds both. */
export const organizationNameSchema = usernameSchema.pipe(z.string());

export const createOrganizationSchema = z.object({ name: organizationNameSchema, email: emailSchema });

export const organizationRefSchema = z.object({ organization: ownerNameSchema });

export const deleteOrganizationSchema = organizationRefSchema.extend({
  confirmation: z.string().trim().min(1, "Type the organization's name to confirm."),
});

export const memberRoleSchema = z.enum(["owner", "member"], { error: "Choose owner or member." });

const memberNameSchema = z
  .string({ error: "Enter a username." })
  .trim()
  .min(1, "Enter a username.")
  .max(100, "Usernames are at most 40 characters.")
  .refine((name) => !hasControlCharacter(name), "Usernames have no control characters.");

export const addMemberSchema = organizationRefSchema.extend({ username: memberNameSchema, role: memberRoleSchema.default("member") });
export const memberRefSchema = organizationRefSchema.extend({ username: memberNameSchema });
export const setMemberRoleSchema = memberRefSchema.extend({ role: memberRoleSchema });

export const accessLevelSchema = z.enum(["read", "write", "admin"], { error: "Choose Read-Only, Read-Write or Administration." });

export const groupNameSchema = z
  .string({ error: "Enter a group name." })
  .trim()
  .min(1, "Enter a group name.")
  .max(64, "Group names are at most 64 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "Group names use letters, digits, spaces, dots, hyphens and underscores, and start with a letter or digit.");

export const createGroupSchema = organizationRefSchema.extend({
  name: groupNameSchema,
  level: accessLevelSchema,
  /** Every package of the organization, or only those given to the group. */
  reachesAllPackages: z.boolean().default(true),
});
export const groupRefSchema = organizationRefSchema.extend({ group: groupNameSchema });
export const updateGroupSchema = groupRefSchema.extend({
  name: groupNameSchema.optional(),
  level: accessLevelSchema.optional(),
  reachesAllPackages: z.boolean().optional(),
});
export const groupMemberSchema = groupRefSchema.extend({ username: memberNameSchema });

export const collaboratorSchema = packageRefSchema.extend({ username: memberNameSchema });

/** Package Settings → Collaborators → Add group: an existing group, or a new one created there with this level. */
export const packageGroupSchema = packageRefSchema.extend({ group: groupNameSchema, level: accessLevelSchema.optional() });

export const transferPackageSchema = packageRefSchema.extend({
  to: ownerNameSchema,
  confirmation: z.string().trim().min(1, "Type the package name to confirm."),
  password: z.string().min(1, "Enter your password to confirm.").max(256, "That password is too long."),
});

export const notificationIdSchema = z.object({ id: z.uuid("Unknown notification.") });

export type CreateOrganizationInput = z.input<typeof createOrganizationSchema>;
export type CreateGroupInput = z.input<typeof createGroupSchema>;
export type TransferPackageInput = z.input<typeof transferPackageSchema>;
export { passwordSchema };
