/**
 * Hourly limits on actions anyone can ask for without an account: recovery mail (per account and per address)
 * and sign-ups (per address). Each action that is let through leaves one row per bucket it counts against;
 * counting them over the last hour is the sliding window.
 */
import { and, count, inArray, lt, gt, min, sql } from "drizzle-orm";
import type { Db } from "../db";
import { requestLimitHits } from "../db/schema";

const hour = 60 * 60 * 1000;

export interface LimitedBucket {
  /** What the audit trail calls this limit when it is the one reached, e.g. `account` or `address`. */
  name: string;
  /** What is counted, e.g. `password_reset:account:<id>`. */
  bucket: string;
  /** How many actions an hour. */
  limit: number;
}

export type Allowance = { allowed: true } | { allowed: false; reached: string; retryAfterMinutes: number };

async function hitsInWindow(db: Db, buckets: readonly LimitedBucket[], windowStart: Date) {
  const rows = await db
    .select({ bucket: requestLimitHits.bucket, hits: count(), oldest: min(requestLimitHits.createdAt) })
    .from(requestLimitHits)
    .where(and(inArray(requestLimitHits.bucket, buckets.map((entry) => entry.bucket)), gt(requestLimitHits.createdAt, windowStart)))
    .groupBy(requestLimitHits.bucket);
  return new Map(rows.map((row) => [row.bucket, row]));
}

function reachedLimit(buckets: readonly LimitedBucket[], hits: Awaited<ReturnType<typeof hitsInWindow>>): Allowance {
  for (const entry of buckets) {
    const found = hits.get(entry.bucket);
    if (found && found.hits >= entry.limit) {
      const oldest = found.oldest ? new Date(found.oldest).getTime() : Date.now();
      return { allowed: false, reached: entry.name, retryAfterMinutes: Math.max(1, Math.ceil((oldest + hour - Date.now()) / 60_000)) };
    }
  }
  return { allowed: true };
}

/**
 * Whether an action would be let through now, without counting it: a cheap look before costly work (hashing a
 * password) that takeAllowance then decides for good.
 */
export async function peekAllowance(db: Db, buckets: readonly LimitedBucket[]): Promise<Allowance> {
  return reachedLimit(buckets, await hitsInWindow(db, buckets, new Date(Date.now() - hour)));
}

/**
 * Lets an action through when none of its buckets has reached its limit in the last hour, and counts it in each;
 * otherwise counts nothing. Calls for the same bucket take turns (a transaction-scoped advisory lock on each, taken
 * in one order), so a burst of requests cannot slip past a limit. Called inside a transaction, the count is
 * undone with it when the action fails after all.
 */
export async function takeAllowance(db: Db, buckets: readonly LimitedBucket[]): Promise<Allowance> {
  const ordered = [...buckets].sort((a, b) => a.bucket.localeCompare(b.bucket));
  return db.transaction(async (tx) => {
    for (const entry of ordered) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`request-limit:${entry.bucket}`}, 0))`);
    const windowStart = new Date(Date.now() - hour);
    const allowance = reachedLimit(ordered, await hitsInWindow(tx, ordered, windowStart));
    if (!allowance.allowed) return allowance;
    const names = ordered.map((entry) => entry.bucket);
    // What has left the window counts for nothing any more.
    await tx.delete(requestLimitHits).where(and(inArray(requestLimitHits.bucket, names), lt(requestLimitHits.createdAt, windowStart)));
    await tx.insert(requestLimitHits).values(names.map((bucket) => ({ bucket })));
    return allowance;
  });
}
