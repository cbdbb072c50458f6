import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import { systemLogCategoryNames } from "../../../shared/schemas/logs";

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

/** The System logs page's tabs (seed 003), in its order. */
export const systemLogCategories = systemLogCategoryNames;
export type SystemLogCategory = (typeof systemLogCategories)[number];
export const systemLogLevels = ["debug", "info", "warn", "error"] as const;
export type SystemLogLevel = (typeof systemLogLevels)[number];

/**
 * Structured operational records (server/logging): also written to stdout as JSON lines, kept LOG_RETENTION_DAYS.
 * Read one category at a time over a time range, newest first, so that is the index.
 */
export const systemLogs = pgTable(
  "system_logs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    level: text("level", { enum: systemLogLevels }).notNull(),
    category: text("category", { enum: systemLogCategories }).notNull(),
    message: text("message").notNull(),
    context: jsonb("context"),
    requestId: text("request_id"),
    loggedAt: timestamp("logged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("system_logs_category_time_idx").on(table.category, table.loggedAt.desc(), table.id.desc()),
    // Retention deletes by age across categories.
    index("system_logs_time_idx").on(table.loggedAt),
  ],
);
