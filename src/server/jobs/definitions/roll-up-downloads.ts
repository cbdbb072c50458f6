import { sql } from "drizzle-orm";
import { z } from "zod";
import { downloadPlatform } from "../../services/download-statistics";
import { defineJob } from "../definition";

/**
 * Totals daily_downloads (per file per day) into package_download_days (per package, day, version and platform).
 * Each run recomputes the days from the day before the latest total on (all days the first time), so a run that
 * is repeated or dies halfway changes nothing twice; a day's total never goes down, so a file deleted since keeps
 * the downloads it had.
 */
export const rollUpDownloadsJob = defineJob({
  id: "roll-up-downloads",
  description: "Rolls download counts up into per-package daily totals by version and platform",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 60, backoff: true },
  timeoutSeconds: 600,
  schedule: { cron: "*/15 * * * *" },
  async run(_input, { db, log }) {
    const [row] = await db.execute<{ since: string | null; rows: number }>(sql`
      with since as (
        select (max(day) - 1) as day from package_download_days
      ), totals as (
        insert into package_download_days as total (package_id, day, version, platform, count)
        select file.package_id, downloads.day, file.version, ${downloadPlatform("file")}, sum(downloads.count)
        from daily_downloads downloads join package_files file on file.id = downloads.file_id
        where downloads.day >= coalesce((select day from since), '-infinity'::date)
        group by 1, 2, 3, 4
        on conflict (package_id, day, version, platform) do update set count = greatest(total.count, excluded.count)
        returning 1
      )
      select (select day::text from since) as since, (select count(*)::int from totals) as rows`);
    log.info(`Rolled up ${row?.rows ?? 0} package-day total(s) from ${row?.since ?? "the first day"} on.`);
    return { since: row?.since ?? null, totals: row?.rows ?? 0 };
  },
});
