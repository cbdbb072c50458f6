import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

export const sessionEndReasons = ["signed_out", "signed_out_everywhere", "revoked", "password_changed", "password_reset", "deactivated"] as const;

/**
 * Browser sessions: one row per sign-in, named by the id the session cookie carries. Every request with the
 * cookie checks that its row is live, so a session ended here (signing out, here or everywhere) is ended for
 * every copy of the cookie at once.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the cookie expires: a session is never live for longer, whatever the browser keeps. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Where and with what the account signed in. */
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    /** Written at most once a minute per session, never on every request. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenIp: text("last_seen_ip"),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedReason: text("revoked_reason", { enum: sessionEndReasons }),
  },
  (table) => [
    index("sessions_user_idx").on(table.userId, table.createdAt),
    // The top bar's Users page: who is signed in and was seen lately, without reading every session ever opened.
    index("sessions_live_seen_idx").on(table.lastSeenAt, table.userId).where(sql`${table.revokedAt} is null`),
  ],
);
