/**
 * Download figures for the pages: daily counts per package, version and platform, and short trends for lists.
 *
 * Two tables hold them. package_download_days has the rolled-up totals (roll-up-downloads, every 15 minutes);
 * daily_downloads has the live per-file counts the download counter writes every few seconds. The roll-up
 * recomputes everything from the day before its latest day on, so days before that are final in the rolled-up
 * table; from that day on the figures are read live as well and the larger of the two is taken, as the roll-up
 * itself would (a file deleted since keeps the downloads it had). Today's downloads show at once, not after the
 * next roll-up.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db";

/** The platform a file's downloads count under: a conda subdir, a wheel's platform tag, `source` for sdists. */
export function downloadPlatform(file: string): SQL {
  const column = (name: string) => sql.raw(`${file}.${name}`);
  return sql`case
    when ${column("file_type")} = 'conda' then ${column("subdir")}
    when ${column("file_type")} = 'wheel' then regexp_replace(${column("filename")}, '^.*-([^-]+)\\.whl$', '\\1')
    when ${column("file_type")} = 'sdist' then 'source'
    else ${column("subdir")}
  end`;
}

export interface DownloadDay {
  packageId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  version: string;
  platform: string;
  count: number;
}

/** The first UTC day of a window of `days` days that ends today. */
export function windowStart(days: number, today = new Date()): string {
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
  return start.toISOString().slice(0, 10);
}

/**
 * Every (package, day, version, platform) count of the given packages from `since` (a YYYY-MM-DD day) on. The
 * caller has already decided that the actor may see these packages.
 */
export async function downloadDays(db: Db, packageIds: readonly string[], since: string): Promise<DownloadDay[]> {
  if (packageIds.length === 0) return [];
  const ids = sql`array[${sql.join(
    packageIds.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
  const rows = await db.execute<{ package_id: string; day: string; version: string; platform: string; count: string | number }>(sql`
    with live_since as (
      select greatest(${since}::date, coalesce(max(day) - 1, '-infinity'::date)) as day from package_download_days
    ), rolled as (
      select package_id, day, version, platform, count from package_download_days
      where package_id = any(${ids}) and day >= ${since}::date
    ), live as (
      select file.package_id, downloads.day, file.version, ${downloadPlatform("file")} as platform, sum(downloads.count)::bigint as count
      from daily_downloads downloads join package_files file on file.id = downloads.file_id
      where file.package_id = any(${ids}) and downloads.day >= (select day from live_since)
      group by 1, 2, 3, 4
    )
    select package_id, day::text as day, version, platform, greatest(coalesce(rolled.count, 0), coalesce(live.count, 0)) as count
    from rolled full outer join live using (package_id, day, version, platform)
    order by day, version, platform`);
  return rows.map((row) => ({ packageId: row.package_id, day: row.day, version: row.version, platform: row.platform, count: Number(row.count) }));
}

/** Each package's downloads per day over the last `days` days (oldest first, today last), zeros included. */
export async function downloadTrends(db: Db, packageIds: readonly string[], days: number, today = new Date()): Promise<Map<string, number[]>> {
  const since = windowStart(days, today);
  const trends = new Map(packageIds.map((id) => [id, new Array<number>(days).fill(0)]));
  const startTime = Date.parse(`${since}T00:00:00Z`);
  for (const row of await downloadDays(db, packageIds, since)) {
    const index = Math.round((Date.parse(`${row.day}T00:00:00Z`) - startTime) / 86_400_000);
    const trend = trends.get(row.packageId);
    if (trend && index >= 0 && index < days) trend[index]! += row.count;
  }
  return trends;
}
