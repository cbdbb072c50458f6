import { sql } from "drizzle-orm";
import { z } from "zod";
import { siteUrl } from "../../services/general-settings";
import { sendEmail } from "../../email";
import { defineJob, scheduleStarter } from "../definition";

const day = 24 * 60 * 60 * 1000;

/**
 * Which notice goes out when. A token is told once when it has 14 days (down to 1) left and once when it has 1 day
 * left; a notice is skipped for a token that was created inside its window (a token made for a week needs no 14-day
 * warning), and a token found only on its last day gets the last notice alone.
 */
export const expiryNotices = [
  { notice: "14_days", daysBefore: 14, untilDaysBefore: 1 },
  { notice: "1_day", daysBefore: 1, untilDaysBefore: 0 },
] as const;

/** E-mails the owners of live tokens that expire soon, each notice once per token. */
export const tokenExpiryNoticesJob = defineJob({
  id: "token-expiry-notices",
  description: "E-mails owners of access tokens 14 days and 1 day before the token expires",
  input: z.object({}),
  priority: "default",
  retries: { limit: 3, delaySeconds: 60, backoff: true },
  timeoutSeconds: 300,
  schedule: { cron: "17 * * * *" },
  async run(_input, { db, log, progress }) {
    let sent = 0;
    for (const [index, { notice, daysBefore, untilDaysBefore }] of expiryNotices.entries()) {
      const window = daysBefore * day;
      const windowEnd = untilDaysBefore * day;
      // The notice row and the e-mail are written in one transaction: a run that dies in between leaves neither,
      // and a second run finds the notice taken (safe to run twice).
      const claimed = await db.transaction(async (tx) => {
        const rows = await tx.execute<{ token_id: string; name: string; expires_at: Date; username: string; email: string }>(sql`
          with due as (
            select token.id, token.name, token.expires_at, owner.username, owner.email
            from access_tokens token join users owner on owner.id = token.user_id
            where token.revoked_at is null and owner.is_active
              and token.expires_at > now() + make_interval(secs => ${windowEnd / 1000})
              and token.expires_at <= now() + make_interval(secs => ${window / 1000})
              and token.created_at < token.expires_at - make_interval(secs => ${window / 1000})
            order by token.expires_at
            limit 500
          ), claimed as (
            insert into access_token_expiry_notices (token_id, notice)
            select id, ${notice} from due
            on conflict do nothing
            returning token_id
          )
          select due.id as token_id, due.name, due.expires_at, due.username, due.email from due join claimed on claimed.token_id = due.id`);
        for (const row of rows) {
          const expiresAt = new Date(row.expires_at);
          await sendEmail(
            tx,
            {
              to: row.email,
              template: "tokenExpiring",
              props: {
                username: row.username,
                tokenName: row.name,
                expiresOn: expiresAt.toISOString().slice(0, 10),
                daysLeft: Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / day)),
                tokensUrl: `${await siteUrl(tx)}/${encodeURIComponent(row.username)}/settings/access`,
              },
            },
            { startedBy: scheduleStarter },
          );
        }
        return rows.length;
      });
      sent += claimed;
      log.info(`${claimed} ${notice.replace("_", " ")} notice(s) queued.`);
      progress(((index + 1) / expiryNotices.length) * 100, `${notice.replace("_", " ")} notices done`);
    }
    return { sent };
  },
});
