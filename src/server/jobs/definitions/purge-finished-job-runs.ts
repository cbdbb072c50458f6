import { sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { defineJob } from "../definition";

/** Rows deleted per statement, so one sweep never holds a long lock on the runs workers update. */
const batchSize = 5000;

/**
 * Deletes finished job runs (their log lines go with them) once they are older than the settings keep them:
 * succeeded and cancelled ones after JOBS_KEEP_SUCCEEDED_DAYS, failed ones after JOBS_KEEP_FAILED_DAYS. A run
 * finishes after it was queued, so `queued_at` before the cutoff is asked too: it lets the queue index find the
 * candidates without another index on the table every job updates.
 */
export const purgeFinishedJobRunsJob = defineJob({
  id: "purge-finished-job-runs",
  description: "Deletes finished job runs and their log lines once older than the retention settings",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 300, backoff: true },
  timeoutSeconds: 1800,
  schedule: { cron: "29 3 * * *" },
  async run(_input, { db, log, signal }) {
    const purge = async (statuses: string[], days: number) => {
      let deleted = 0;
      for (;;) {
        const [batch] = await db.execute<{ count: number }>(sql`
          with gone as (
            delete from job_runs where id in (
              select id from job_runs
              where priority in ('high', 'default', 'low', 'user-tasks') and queued_at < now() - make_interval(days => ${days})
                and status in (${sql.join(statuses.map((status) => sql`${status}`), sql`, `)})
                and finished_at < now() - make_interval(days => ${days})
              limit ${batchSize})
            returning 1
          ) select count(*)::int as count from gone`);
        deleted += batch?.count ?? 0;
        if ((batch?.count ?? 0) < batchSize || signal.aborted) return deleted;
      }
    };
    const succeeded = await purge(["succeeded", "cancelled"], env.JOBS_KEEP_SUCCEEDED_DAYS);
    const failed = await purge(["failed"], env.JOBS_KEEP_FAILED_DAYS);
    log.info(`Deleted ${succeeded} succeeded or cancelled run(s) older than ${env.JOBS_KEEP_SUCCEEDED_DAYS} days and ${failed} failed run(s) older than ${env.JOBS_KEEP_FAILED_DAYS} days.`);
    return { succeeded, failed };
  },
});
