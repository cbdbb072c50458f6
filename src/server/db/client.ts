import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { env } from "@/env";
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

export function connectDatabase(url: string, options: ConnectionOptions = {}): DatabaseConnection {
  const client = postgres(url, {
    // A request beyond the pool's connections waits for one (postgres.js queues); see connection-budget.ts.
    max: options.max ?? env.DATABASE_POOL_SIZE,
    onnotice: () => {},
    // A generic plan is fixed at its first execution, from the statistics of that moment: a queue that looked all
    // pending then would be read in full by every later fetch, however many finished jobs it holds by the time (the
    // partition keeps them for hours). These statements all find their rows by index, so sequential scans are off.
    ...(options.genericPlans ? { connection: { plan_cache_mode: "force_generic_plan", enable_seqscan: "off" } } : {}),
    // Timestamps come back as Date objects; keep bigint counts as numbers where they fit.
    types: { bigint: postgres.BigInt },
  });
  return { db: drizzle(client, { schema }), close: () => client.end({ timeout: 5 }) };
}
