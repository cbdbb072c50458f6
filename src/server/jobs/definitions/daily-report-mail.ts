import { sql } from "drizzle-orm";
import { z } from "zod";
import { sendEmail } from "../../email";
import { buildDailyReport, dailyReportEmailProps, resolveReportRange } from "../../services/daily-report";
import { defineJob, scheduleStarter } from "../definition";

/**
 * E-mails yesterday's Daily Report to every active administrator who turned it on. Each administrator's day is
 * claimed in the transaction that queues their mail, so a second run (or a retry) sends nobody the same day twice.
 */
export const dailyReportMailJob = defineJob({
  id: "daily-report-mail",
  description: "E-mails yesterday's Daily Report to the administrators who asked for it",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 300, backoff: true },
  timeoutSeconds: 300,
  // After midnight UTC, when yesterday is complete.
  schedule: { cron: "20 0 * * *" },
  async run(_input, { db, log, progress }) {
    const range = resolveReportRange({ preset: "yesterday" });
    const report = await buildDailyReport(db, range);
    progress(50, `Report for ${range.from} built`);
    const sentTo = await db.transaction(async (tx) => {
      const claimed = await tx.execute<{ username: string; email: string }>(sql`
        update daily_report_subscriptions as subscription set last_sent_day = ${range.from}::date
        from users
        where users.id = subscription.user_id and users.is_site_admin and users.is_active
          and (subscription.last_sent_day is null or subscription.last_sent_day < ${range.from}::date)
        returning users.username, users.email`);
      for (const admin of claimed) {
        await sendEmail(tx, { to: admin.email, template: "dailyReport", props: dailyReportEmailProps(report, admin.username) }, { startedBy: scheduleStarter });
      }
      return claimed.map((admin) => admin.username);
    });
    log.info(`Daily report for ${range.from} queued for ${sentTo.length} administrator(s).`);
    return { day: range.from, sentTo };
  },
});
