import { sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { defineJob } from "../definition";

const batchSize = 10_000;

/** Deletes System log records older than LOG_RETENTION_DAYS, a batch at a time (the time index finds them). */
export const purgeSystemLogsJob = defineJob({
  id: "purge-system-logs",
  description: "Deletes System log records older than the log retention setting",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 300, backoff: true },
  timeoutSeconds: 1800,
  schedule: { cron: "53 3 * * *" },
  async run(_input, { db, log, signal }) {
    let deleted = 0;
    for (;;) {
      const [batch] = await db.execute<{ count: number }>(sql`
        with gone as (
          delete from system_logs where id in (
            select id from system_logs where logged_at < now() - make_interval(days => ${env.LOG_RETENTION_DAYS}) limit ${batchSize})
          returning 1
        ) select count(*)::int as count from gone`);
      deleted += batch?.count ?? 0;
      if ((batch?.count ?? 0) < batchSize || signal.aborted) break;
    }
    log.info(`Deleted ${deleted} log record(s) older than ${env.LOG_RETENTION_DAYS} days.`);
    return { deleted };
  },
});
