import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

/** Unexpected server errors, for the admin panel; the user sees only a friendly page and the error's id. */
export const exceptions = pgTable(
  "exceptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    message: text("message").notNull(),
    stack: text("stack"),
    route: text("route"),
    method: text("method"),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When an administrator marked it read; the top bar's red dot shows while any is unread. */
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (table) => [
    index("exceptions_created_idx").on(table.createdAt),
    // The red dot asks on every admin page whether any is unread: only unread rows are in this index.
    index("exceptions_unread_idx").on(table.createdAt).where(sql`${table.readAt} is null`),
  ],
);

/** Site-wide settings that admins change at run time, one row per key. */
export const siteSettings = pgTable("site_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
