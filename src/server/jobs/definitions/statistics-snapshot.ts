import { sql } from "drizzle-orm";
import { z } from "zod";
import { defineJob } from "../definition";

/** The site's size today (UTC), for the admin charts; a second run the same day replaces the first. */
export const statisticsSnapshotJob = defineJob({
  id: "statistics-snapshot",
  description: "Records the day's totals: users, organizations, packages, files, bytes stored and downloads",
  input: z.object({}),
  priority: "low",
  retries: { limit: 3, delaySeconds: 300, backoff: true },
  timeoutSeconds: 600,
  schedule: { cron: "5 0 * * *" },
  async run(_input, { db, log }) {
    const [row] = await db.execute<Record<string, string | number>>(sql`
      insert into site_statistics (day, users, organizations, packages, files, bytes_stored, downloads, downloads_on_day, taken_at)
      select (now() at time zone 'utc')::date,
        (select count(*) from users where kind = 'user'),
        (select count(*) from users where kind = 'organization'),
        (select count(*) from packages),
        (select count(*) from package_files),
        (select coalesce(sum(size), 0) from (select distinct on (sha256) size from package_files order by sha256) as blobs),
        (select coalesce(sum(download_count), 0) from package_files),
        (select coalesce(sum(count), 0) from daily_downloads where day = (now() at time zone 'utc')::date),
        now()
      on conflict (day) do update set users = excluded.users, organizations = excluded.organizations, packages = excluded.packages,
        files = excluded.files, bytes_stored = excluded.bytes_stored, downloads = excluded.downloads,
        downloads_on_day = excluded.downloads_on_day, taken_at = excluded.taken_at
      returning day::text, users, packages, files, bytes_stored, downloads`);
    log.info(`Snapshot for ${row?.day}: ${row?.users} users, ${row?.packages} packages, ${row?.files} files, ${row?.bytes_stored} bytes.`);
    return row ?? null;
  },
});
