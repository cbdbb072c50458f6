import { date, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

/**
 * Administrators who asked for the Daily Report by e-mail ("E-mail me the daily report" on its page). The daily job
 * claims a day by moving `lastSentDay` in the transaction that queues the mail, so a second run sends nothing twice.
 */
export const dailyReportSubscriptions = pgTable("daily_report_subscriptions", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  /** The last report day (UTC) mailed to this administrator. */
  lastSentDay: date("last_sent_day", { mode: "string" }),
});
