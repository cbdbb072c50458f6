import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
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
    /** The request's headers with every credential removed (services/exceptions.ts scrubHeaders). */
    requestHeaders: jsonb("request_headers").$type<Record<string, string>>(),
    /** Its group: the error's type and the top frames of its stack (services/exceptions.ts fingerprintOf). */
    fingerprint: text("fingerprint"),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When an administrator marked it read; the top bar's red dot shows while any is unread. */
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (table) => [
    index("exceptions_created_idx").on(table.createdAt),
    // The red dot asks on every admin page whether any is unread: only unread rows are in this index.
    index("exceptions_unread_idx").on(table.createdAt).where(sql`${table.readAt} is null`),
    // A group's detail page lists its latest occurrences.
    index("exceptions_fingerprint_idx").on(table.fingerprint, table.createdAt.desc()),
  ],
);

/**
 * One row per kind of error, counted as it happens: the Exceptions page lists these, so it costs the same with ten
 * occurrences as with a million. A resolved group reopens when its error comes back.
 */
export const exceptionGroups = pgTable(
  "exception_groups",
  {
    fingerprint: text("fingerprint").primaryKey(),
    errorType: text("error_type").notNull(),
    /** The latest occurrence's message and stack (messages vary: ids, names). */
    message: text("message").notNull(),
    stack: text("stack"),
    /** The normalised frames the fingerprint was made from. */
    frames: text("frames").array().notNull(),
    occurrences: integer("occurrences").notNull().default(1),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastExceptionId: uuid("last_exception_id"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    resolvedById: uuid("resolved_by_id").references(() => users.id, { onDelete: "set null" }),
    /** How often it came back after being resolved. */
    reopenedCount: integer("reopened_count").notNull().default(0),
  },
  (table) => [index("exception_groups_last_seen_idx").on(table.lastSeenAt.desc())],
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
