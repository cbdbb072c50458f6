/**
 * Download counting that never slows a download: each download only bumps a number in memory; a timer writes
 * the accumulated counts to package_files.download_count and daily_downloads in one statement every few
 * seconds (and on flush/close, so a clean shutdown loses nothing). A crash loses at most one interval's counts,
 * which is the accepted price of keeping downloads free of database writes.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db";
import { dailyDownloads, packageFiles } from "../db/schema";

export interface DownloadCounter {
  /** Counts one download of the file on the current UTC day. */
  record(fileId: string): void;
  /** Writes everything counted so far. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
  /** Counts waiting to be written, for tests and diagnostics. */
  pendingCount(): number;
}

export interface DownloadCounterOptions {
  flushIntervalMs?: number;
  now?: () => Date;
  /** Told about a failed write; the counts are kept and retried on the next flush. */
  onError?: (error: unknown) => void;
}

/** Keyed by `${fileId} ${day}`: a download belongs to the UTC day it happened on, even if written after midnight. */
type PendingCounts = Map<string, number>;

function utcDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

export function createDownloadCounter(db: Db, options: DownloadCounterOptions = {}): DownloadCounter {
  const now = options.now ?? (() => new Date());
  let pending: PendingCounts = new Map();
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  const write = async (batch: PendingCounts) => {
    const rows = [...batch].map(([key, count]) => {
      const [fileId, day] = key.split(" ") as [string, string];
      return sql`(${fileId}::uuid, ${day}::date, ${count}::int)`;
    });
    // One statement: totals on the files, then the per-day rows for the files that still exist (a file deleted
    // since its download is skipped rather than failing the whole batch on the foreign key).
    await db.execute(sql`
      with counts (file_id, day, downloads) as (values ${sql.join(rows, sql`, `)}),
      updated as (
        update ${packageFiles} set download_count = ${packageFiles.downloadCount} + totals.downloads
        from (select file_id, sum(downloads)::bigint as downloads from counts group by file_id) as totals
        where ${packageFiles.id} = totals.file_id
        returning ${packageFiles.id} as id
      )
      insert into ${dailyDownloads} (file_id, day, count)
      select counts.file_id, counts.day, counts.downloads from counts where counts.file_id in (select id from updated)
      on conflict (file_id, day) do update set count = ${dailyDownloads.count} + excluded.count`);
  };

  const flush = (): Promise<void> => {
    // Flushes run one after another so two batches never race on the same rows.
    writing = writing.then(async () => {
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      try {
        await write(batch);
      } catch (error) {
        for (const [key, count] of batch) pending.set(key, (pending.get(key) ?? 0) + count);
        options.onError?.(error);
      }
    });
    return writing;
  };

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 5_000);
  // Counting must never keep a process alive on its own.
  timer.unref();

  return {
    record(fileId) {
      const key = `${fileId} ${utcDay(now())}`;
      pending.set(key, (pending.get(key) ?? 0) + 1);
    },
    flush,
    async close() {
      if (!closed) {
        closed = true;
        clearInterval(timer);
      }
      await flush();
    },
    pendingCount() {
      let total = 0;
      for (const count of pending.values()) total += count;
      return total;
    },
  };
}
