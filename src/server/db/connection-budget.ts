/**
 * How many PostgreSQL connections a running Granary opens at most, so that PostgreSQL's max_connections can always
 * hold them. postgres.js never opens more than a pool's `max`: a burst of requests queues for the pool's connections
 * instead of failing. What fails is a pool that PostgreSQL refuses to fill ("sorry, too many clients already",
 * SQLSTATE 53300), so the embedded PostgreSQL is started allowing every pool of the launcher plus room for the
 * processes beside it, and with an external PostgreSQL the launcher warns when its limit is too tight.
 */
import postgres from "postgres";
import { env } from "@/env";

/**
 * The launcher's connections at their most: the web app's and the protocol handler's pools (DATABASE_POOL_SIZE
 * each), and the fixed small ones: its jobs pool (4), the job worker's pg-boss (4), job mirror (2) and LISTEN
 * connection (1), the change listener (1), and the start-up ones that overlap them at most (migrations, pg-boss's
 * preparation, the first administrator: 1 each).
 */
export function launcherConnections(poolSize = env.DATABASE_POOL_SIZE): number {
  const requestPools = 2 * poolSize;
  const jobs = 4 + 4 + 2 + 1;
  const changeListener = 1;
  const startUp = 3;
  return requestPools + jobs + changeListener + startUp;
}

/**
 * Room beside the launcher on the embedded server: `granary-admin` and `granary backup` while Granary runs, a few
 * `npm run worker` processes, and someone's psql.
 */
const roomBesideTheLauncher = 64;

/** The embedded PostgreSQL's max_connections: never less than PostgreSQL's own default of 100. */
export function embeddedMaxConnections(poolSize = env.DATABASE_POOL_SIZE): number {
  return Math.max(100, launcherConnections(poolSize) + roomBesideTheLauncher);
}

/**
 * With an external PostgreSQL, whether it leaves room for the launcher's pools next to the connections already open
 * (other app servers, other applications): a sentence to log when it does not, else null.
 */
export async function connectionBudgetWarning(databaseUrl: string, poolSize = env.DATABASE_POOL_SIZE): Promise<string | null> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await client<{ maxConnections: number; reserved: number; open: number }[]>`
      select current_setting('max_connections')::int as "maxConnections",
        current_setting('superuser_reserved_connections')::int + current_setting('reserved_connections')::int as reserved,
        (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as open`;
    if (!row) return null;
    const needed = launcherConnections(poolSize);
    const available = row.maxConnections - row.reserved - row.open + 1;
    if (available >= needed) return null;
    return (
      `PostgreSQL allows ${row.maxConnections} connections (${row.reserved} reserved) and ${row.open} are open; Granary may open ${needed} ` +
      `(DATABASE_POOL_SIZE=${poolSize}). Under load some requests would fail with "too many clients": raise max_connections or lower DATABASE_POOL_SIZE.`
    );
  } catch {
    // reserved_connections is PostgreSQL 16+: older servers are not judged.
    return null;
  } finally {
    await client.end({ timeout: 5 });
  }
}
