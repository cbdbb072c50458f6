import { AsyncLocalStorage } from "node:async_hooks";
import net from "node:net";
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

/**
 * Runs a function in the execution context the process started in, with no request's AsyncLocalStorage stores: one
 * for every copy of this module (the launcher's, made as it starts, and Next's server bundle's, whose first import may
 * come inside a request), hence kept on globalThis.
 */
const startContextKey = Symbol.for("granary.startExecutionContext");
type ContextRunner = <Result>(run: () => Result) => Result;
const inStartContext: ContextRunner = ((globalThis as { [startContextKey]?: ContextRunner })[startContextKey] ??= AsyncLocalStorage.snapshot());

/**
 * A pool's connections are opened when a query needs one, inside whatever asked: a page's render, say. A socket keeps
 * the AsyncLocalStorage stores of the context it was opened in for as long as it lives, and Next's and React's stores
 * hold the whole render (React's Flight request and everything it wrote): in a soak, every connection a pool opened
 * during a page kept that page's render, 130 MB more after a restart that reopened them all. So connections are opened
 * in the context the process started in, and without postgres.js's lifetime timer (connectDatabase). postgres.js writes
 * its startup message as soon as it has the socket, which a connecting socket holds until it is connected. With several
 * hosts postgres.js's own rotation is kept, and so is the context.
 */
function startContextSocket(options: { host: string[]; port: number[]; path?: string | false }): net.Socket {
  return inStartContext(() => {
    if (options.path) return net.connect(options.path);
    const socket = net.connect(options.port[0]!, options.host[0]);
    // What postgres.js's TLS upgrade reads for the server's name.
    return Object.assign(socket, { host: options.host[0] });
  });
}

/** How many hosts a connection URL names (`postgres://user@a:5432,b:5432/db` names two). */
function hostCount(url: string): number {
  const authority = url.replace(/^[a-z]+:\/\//i, "").split(/[/?]/, 1)[0] ?? "";
  return authority.slice(authority.lastIndexOf("@") + 1).split(",").length;
}

export function connectDatabase(url: string, options: ConnectionOptions = {}): DatabaseConnection {
  const max = options.max ?? env.DATABASE_POOL_SIZE;
  const client = postgres(url, {
    // A request beyond the pool's connections waits for one (postgres.js queues); see connection-budget.ts.
    max,
    onnotice: () => {},
    backoff: reconnectDelaySeconds,
    // postgres.js takes a `socket` option that its types do not declare.
    ...((hostCount(url) === 1 ? { socket: startContextSocket } : {}) as object),
    // No lifetime: postgres.js starts a connection's lifetime timer (30 to 60 minutes by default) as it connects, in
    // the context that asked for the connection, and a timer keeps that context's stores as a socket does (see
    // startContextSocket). Its idle timer restarts after each query, from the socket's own context.
    max_lifetime: 0,
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
