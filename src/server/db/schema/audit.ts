import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

/**
 * One row per security-relevant action. Actor and target keep a label as well as an id so the trail stays
 * readable after an account is deleted.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    action: text("action").notNull(),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    actorLabel: text("actor_label").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    targetLabel: text("target_label"),
    /** The account the event concerns, for its own Security history. */
    subjectUserId: uuid("subject_user_id").references(() => users.id, { onDelete: "set null" }),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("audit_events_subject_idx").on(table.subjectUserId, table.createdAt),
    index("audit_events_created_idx").on(table.createdAt),
    // The Daily Report counts a range's events by action from this index alone (an index-only scan).
    index("audit_events_created_action_idx").on(table.createdAt, table.action),
    // The Logs page's tabs: events of some actions, newest first, a page after another.
    index("audit_events_action_time_idx").on(table.action, table.createdAt.desc(), table.id.desc()),
    // The Security Log at 1,000,000 events: pages follow one another by (time, id), filtered or not by whoever acted.
    index("audit_events_time_id_idx").on(table.createdAt.desc(), table.id.desc()),
    index("audit_events_actor_time_idx").on(table.actorUserId, table.createdAt.desc(), table.id.desc()),
  ],
);
