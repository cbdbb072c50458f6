/**
 * pg-boss, Granary's embedded queue: one pg-boss queue per job definition in the `pgboss` schema of Granary's own
 * database. Retry limits are set explicitly on every queue (pg-boss's default is no retry), and a job whose worker
 * died is failed by pg-boss's expiry (the attempt's timeout plus a grace period) and so retried.
 */
import { sql, type SQL } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Db } from "../../db";
import type { AnyJobDefinition } from "../definition";

export const jobsSchema = "pgboss";

/** After an attempt's own timeout, how long pg-boss waits before it treats the job as abandoned. */
export const expiryGraceSeconds = 30;

export interface BossOptions {
  /** Archiving, expiry checks (pg-boss "maintenance"): one process does them per interval. */
  maintenanceIntervalSeconds?: number;
  /** Whether this instance queues scheduled jobs (any number may: pg-boss lets one do it per minute). */
  schedule?: boolean;
  supervise?: boolean;
  maxConnections?: number;
}

export function createBoss(databaseUrl: string, options: BossOptions = {}): PgBoss {
  return new PgBoss({
    connectionString: databaseUrl,
    schema: jobsSchema,
    application_name: "granary-jobs",
    max: options.maxConnections ?? 4,
    schedule: options.schedule ?? true,
    supervise: options.supervise ?? true,
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    // Finished jobs leave pg-boss's own table soon: the mirror (job_runs) is the record.
    archiveCompletedAfterSeconds: 60 * 60,
    deleteAfterDays: 7,
  });
}

export function queueOptions(definition: AnyJobDefinition): PgBoss.Queue {
  return {
    name: definition.id,
    // Singleton: at most one active job per singleton key, which is the concurrency key (or the run's own id).
    policy: definition.concurrencyKey ? "singleton" : "standard",
    retryLimit: definition.retries.limit,
    retryDelay: definition.retries.delaySeconds,
    retryBackoff: definition.retries.backoff,
    expireInSeconds: definition.timeoutSeconds + expiryGraceSeconds,
  };
}

/**
 * Creates (or updates) pg-boss's schema, one queue per definition and the schedules of the periodic ones. Safe on
 * every start; the launcher, `npm run worker` and the test harness call it.
 */
export async function prepareJobStorage(databaseUrl: string, definitions: readonly AnyJobDefinition[]): Promise<void> {
  const boss = createBoss(databaseUrl, { schedule: false, supervise: false, maxConnections: 1 });
  boss.on("error", () => {});
  await boss.start();
  try {
    await registerQueues(boss, definitions);
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

export async function registerQueues(boss: PgBoss, definitions: readonly AnyJobDefinition[]): Promise<void> {
  for (const definition of definitions) {
    const options = queueOptions(definition);
    await boss.createQueue(definition.id, options);
    await boss.updateQueue(definition.id, options);
    if (definition.schedule) {
      await boss.schedule(definition.id, definition.schedule.cron, scheduledEnvelope(), { tz: "UTC", singletonKey: `${definition.id}:schedule` });
    } else {
      await boss.unschedule(definition.id);
    }
  }
}

/** What pg-boss queues on a schedule: an empty input, started by the schedule. */
export function scheduledEnvelope() {
  return { input: {}, startedBy: { kind: "schedule", label: "schedule" } };
}

/**
 * pg-boss's SQL, run on one of Granary's connections (or open transaction) through Drizzle: pg-boss numbers its
 * parameters ($1, $2, ...) and Drizzle places its own, so the text is cut at each placeholder and the value put back
 * as a parameter. `prefix` lets one statement do more (the mirror row, the wake-up) in the same round trip.
 */
export function drizzleExecutor(db: Db, prefix?: SQL): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const chunks: SQL[] = prefix ? [prefix] : [];
      let last = 0;
      for (const match of text.matchAll(/\$(\d+)/g)) {
        chunks.push(sql.raw(text.slice(last, match.index)));
        chunks.push(sql`${asParameter(values[Number(match[1]) - 1])}`);
        last = match.index + match[0].length;
      }
      chunks.push(sql.raw(text.slice(last)));
      const rows = await db.execute(sql.join(chunks, sql.raw("")));
      return { rows: [...rows] };
    },
  };
}

/** pg-boss's values as postgres.js takes them: objects as JSON text, its id lists as array literals. */
function asParameter(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return `{${value.map((item) => `"${String(item).replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return value;
}

let sender: PgBoss | undefined;

/** A pg-boss that never connects: it only writes the SQL of `send` for a connection handed to each call. */
export function jobSender(): PgBoss {
  sender ??= new PgBoss({
    db: {
      executeSql: () => {
        throw new Error("The job sender runs SQL only on the connection it is given.");
      },
    },
    schema: jobsSchema,
    schedule: false,
    supervise: false,
    migrate: false,
  });
  return sender;
}
