import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { env } from "@/env";
import { databaseAvailability } from "./availability";
import * as schema from "./schema";

/** A database handle or an open transaction: services accept either, so callers decide the transaction scope. */
export type Db = PgDatabase<PostgresJsQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

export interface DatabaseConnection {
  db: Db;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  max?: number;
  /**
   * Prepared statements of these connections always use their generic plan (plan_cache_mode): for a pool that runs
   * only a few fixed statements over and over (executePrepared), which PostgreSQL would otherwise plan afresh on
   * every execution when they touch pg-boss's partitioned table. Never for a pool that runs ad-hoc queries.
   */
  genericPlans?: boolean;
}

/**
 * Seconds a postgres.js connection waits before trying again after `failedAttempts` failed ones. Its default grows
 * with the failures of the whole pool together, to 10–20 s after a dozen: after a few seconds' outage each connection
 * then waited that long before trying again, holding the requests queued on it. A failed attempt costs PostgreSQL
 * nothing, so at most a second here: a request queued while the database is away is answered (503) within one, and
 * one queued as it comes back is served at once.
 */
export function reconnectDelaySeconds(failedAttempts: number): number {
  return Math.min(0.05 * 2 ** failedAttempts, 1) * (0.5 + Math.random() / 2);
}

/**
 * postgres.js (3.4.9, porsager/postgres#1223) remembers the error of a query whose session the server ended (57P01
 * when PostgreSQL stops) and fails the first query of that connection's next session with it, however much later
 * that comes: in a soak with a restart, requests failed with "terminating connection due to administrator command" 6
 * to 16 s after the database was back. A query on every connection of the pool at once (each idle or closed connection
 * takes one before any is shared) spends those errors instead; a connection fails it at most once, and a round is
 * tried again while the database is still starting.
 */
async function spendEndedSessions(client: postgres.Sql, connections: number): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const outcomes = await Promise.allSettled(Array.from({ length: connections }, () => client`select 1`));
    if (outcomes.every((outcome) => outcome.status === "fulfilled")) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function connectDatabase(url: string, options: ConnectionOptions = {}): DatabaseConnection {
  const max = options.max ?? env.DATABASE_POOL_SIZE;
  const client = postgres(url, {
    // A request beyond the pool's connections waits for one (postgres.js queues); see connection-budget.ts.
    max,
    onnotice: () => {},
    backoff: reconnectDelaySeconds,
    // A generic plan is fixed at its first execution, from the statistics of that moment: a queue that looked all
    // pending then would be read in full by every later fetch, however many finished jobs it holds by the time (the
    // partition keeps them for hours). These statements all find their rows by index, so sequential scans are off.
    ...(options.genericPlans ? { connection: { plan_cache_mode: "force_generic_plan", enable_seqscan: "off" } } : {}),
    // Timestamps come back as Date objects; keep bigint counts as numbers where they fit.
    types: { bigint: postgres.BigInt },
  });
  const forget = databaseAvailability().addConnectionRefresher(() => spendEndedSessions(client, max));
  return {
    db: drizzle(client, { schema }),
    close: () => {
      forget();
      return client.end({ timeout: 5 });
    },
  };
}
