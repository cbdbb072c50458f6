import { sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { defineJob } from "../definition";

const hour = 60 * 60;

/**
 * Deletes what no longer counts for anything: reset and confirmation links that expired or were used (a day later,
 * so a user who just followed one still gets the precise message), sign-in failures outside the throttling window
 * (the audit trail keeps the record), and the rows of workers that stopped a week ago.
 */
export const purgeExpiredRecordsJob = defineJob({
  id: "purge-expired-records",
  description: "Deletes expired or used reset links, sign-in failures outside the throttling window and old worker rows",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 300, backoff: true },
  timeoutSeconds: 600,
  schedule: { cron: "41 3 * * *" },
  async run(_input, { db, log }) {
    const failureAgeSeconds = Math.max(env.SIGN_IN_WINDOW_MINUTES * 60, 24 * hour);
    const [links] = await db.execute<{ count: number }>(sql`
      with gone as (
        delete from account_tokens where coalesce(used_at, expires_at) < now() - interval '1 day' or expires_at < now() - interval '1 day'
        returning 1
      ) select count(*)::int as count from gone`);
    const [failures] = await db.execute<{ count: number }>(sql`
      with gone as (delete from sign_in_failures where created_at < now() - make_interval(secs => ${failureAgeSeconds}) returning 1)
      select count(*)::int as count from gone`);
    const [workers] = await db.execute<{ count: number }>(sql`
      with gone as (
        delete from job_workers where coalesce(stopped_at, lost_at) < now() - interval '7 days'
        returning 1
      ) select count(*)::int as count from gone`);
    const result = { accountLinks: links?.count ?? 0, signInFailures: failures?.count ?? 0, workers: workers?.count ?? 0 };
    log.info(`Deleted ${result.accountLinks} account link(s), ${result.signInFailures} sign-in failure(s), ${result.workers} worker row(s).`);
    return result;
  },
});
