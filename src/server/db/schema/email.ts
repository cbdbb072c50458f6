import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Every outgoing message. With the outbox transport (embedded mode) this is where mail is delivered, so the
 * body is kept for admins to read; with Resend or SMTP only the envelope and the delivery status are kept.
 */
export const emailMessages = pgTable(
  "email_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    transport: text("transport", { enum: ["outbox", "resend", "smtp"] }).notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    template: text("template").notNull(),
    html: text("html"),
    text: text("text"),
    status: text("status", { enum: ["stored", "sent", "failed"] }).notNull(),
    providerMessageId: text("provider_message_id"),
    error: text("error"),
    /** The delivery job's run: a run that delivers again (a retry, a second delivery) updates its own message. */
    jobRunId: uuid("job_run_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("email_messages_created_idx").on(table.createdAt),
    index("email_messages_to_idx").on(table.toAddress),
    uniqueIndex("email_messages_job_run_unique").on(table.jobRunId),
  ],
);
