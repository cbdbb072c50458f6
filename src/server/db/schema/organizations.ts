import { sql } from "drizzle-orm";
import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import { packages } from "./packages";

export const organizationRoles = ["owner", "member"] as const;
export type OrganizationRole = (typeof organizationRoles)[number];

/** The access a group gives, lowest first (src/server/authz/access-levels.ts describes each). */
export const accessLevels = ["read", "write", "admin"] as const;
export type AccessLevel = (typeof accessLevels)[number];

/**
 * People in an organization. Owners administer it and all its packages, and an organization always keeps one;
 * members get what their groups give. Adding someone to a group makes them a member.
 */
export const organizationMembers = pgTable(
  "organization_members",
  {
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: organizationRoles }).notNull().default("member"),
    addedById: uuid("added_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.organizationId, table.userId] }),
    index("organization_members_user_idx").on(table.userId, table.role),
  ],
);

/** A group of an organization's members with one access level, over all its packages or over selected ones. */
export const groups = pgTable(
  "groups",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organizationId: uuid("organization_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    level: text("level", { enum: accessLevels }).notNull(),
    /** True: every package of the organization, present and future. False: only those in group_packages. */
    reachesAllPackages: boolean("reaches_all_packages").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("groups_organization_name_unique").on(table.organizationId, sql`lower(${table.name})`)],
);

export const groupMembers = pgTable(
  "group_members",
  {
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.groupId, table.userId] }), index("group_members_user_idx").on(table.userId)],
);

/** The packages a group reaches when it does not reach them all. */
export const groupPackages = pgTable(
  "group_packages",
  {
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.groupId, table.packageId] }), index("group_packages_package_idx").on(table.packageId)],
);

/** People given read and write access to one package, as anaconda.org's collaborators are. */
export const packageCollaborators = pgTable(
  "package_collaborators",
  {
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    addedById: uuid("added_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.packageId, table.userId] }), index("package_collaborators_user_idx").on(table.userId)],
);

/** Where a transferred package went: its old page answers a permanent redirect to the new one. */
export const packageRedirects = pgTable(
  "package_redirects",
  {
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    normalizedName: text("normalized_name").notNull(),
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.ownerId, table.normalizedName] })],
);
