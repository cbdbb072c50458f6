import { sql } from "drizzle-orm";
import { pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import { groups } from "./organizations";

/**
 * A directory group (by its DN) mapped onto an organization's group: at each sign-in, and in the daily check, an
 * LDAP account is a member of the organization group exactly while the directory lists it in a group mapped to it.
 */
export const directoryGroupMappings = pgTable(
  "directory_group_mappings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    directoryGroupDn: text("directory_group_dn").notNull(),
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("directory_group_mappings_unique").on(sql`lower(${table.directoryGroupDn})`, table.groupId)],
);
