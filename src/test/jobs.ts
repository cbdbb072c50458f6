/**
 * Running queued jobs inside a test, deterministically: `drainJobs()` fetches every due job from pg-boss on the
 * test's database and runs it to the end through the same code as a worker (mirror, logs, settling in pg-boss),
 * round after round until nothing is due. A retry waiting for its backoff is not due, unless `ignoreDelays`.
 */
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Db } from "@/server/db/client";
import { createOutboxTransport, type MailTransport } from "@/server/email/transports";
import type { AnyJobDefinition } from "@/server/jobs/definition";
import { createBoss, registerQueues } from "@/server/jobs/embedded/boss";
import { JobProcessor } from "@/server/jobs/embedded/processor";
import { purgeExpiredRecordsJob } from "@/server/jobs/definitions/purge-expired-records";
import { enqueue } from "@/server/jobs/enqueue";
import type { JobEnvelope } from "@/server/jobs/execute";
import { MirrorWriter } from "@/server/jobs/mirror";
import { jobDefinitions } from "@/server/jobs/registry";
import { BlobStore } from "@/server/storage";
import { testDatabase, testDatabaseUrl } from "./db";

let drainBoss: Promise<PgBoss> | undefined;

/** A pg-boss on this worker's test database that neither schedules nor does maintenance: tests decide what runs. */
export function testBoss(): Promise<PgBoss> {
  drainBoss ??= (async () => {
    const boss = createBoss(testDatabaseUrl(), { schedule: false, supervise: false, maxConnections: 2 });
    boss.on("error", () => {});
    await boss.start();
    return boss;
  })();
  return drainBoss;
}

/** Creates the queues of job definitions that exist only in tests. */
export async function registerTestJobs(definitions: readonly AnyJobDefinition[]): Promise<void> {
  await registerQueues(await testBoss(), definitions);
}

export interface DrainOptions {
  db?: Db;
  mailer?: MailTransport;
  /** Where jobs find stored files (a protocol test server's store, when a job deletes what it uploaded). */
  blobs?: BlobStore;
  /** Definitions besides Granary's own (test jobs registered with registerTestJobs). */
  definitions?: readonly AnyJobDefinition[];
  /** Runs retries waiting for their backoff now. */
  ignoreDelays?: boolean;
  /** Stop after this many rounds (one attempt each for a job that keeps failing). */
  rounds?: number;
}

export async function drainJobs(options: DrainOptions = {}): Promise<{ attempts: number }> {
  const db = options.db ?? testDatabase();
  const boss = await testBoss();
  const writer = new MirrorWriter(db, { startDelayMs: 0, detailDelayMs: 0 });
  const processor = new JobProcessor({
    boss,
    writer,
    dependencies: { db, mailer: options.mailer ?? createOutboxTransport(), blobs: options.blobs ?? new BlobStore(path.join(os.tmpdir(), "granary-test-blobs")) },
    workerId: null,
    workerLabel: "drainJobs",
    log: () => {},
  });
  const definitions = [...jobDefinitions, ...(options.definitions ?? [])];
  let attempts = 0;
  for (let round = 0; round < (options.rounds ?? 50); round++) {
    let ran = 0;
    for (const definition of definitions) {
      const jobs = await boss.fetch<JobEnvelope>(definition.id, { batchSize: 50, includeMetadata: true, ignoreStartAfter: options.ignoreDelays ?? false });
      for (const job of jobs) {
        await processor.process(definition, job);
        ran += 1;
      }
    }
    await writer.flush();
    await processor.settled();
    attempts += ran;
    if (ran === 0) break;
  }
  return { attempts };
}

/** A run of the purge job that failed on its last attempt, as the jobs table records one. */
export async function createFailedRun(db: Db, options: { error?: string } = {}): Promise<string> {
  const { runId } = await enqueue(db, purgeExpiredRecordsJob, {});
  await db.execute(sql`
    update job_runs set status = 'failed', attempts = max_attempts, error = ${options.error ?? "Something broke."}, started_at = now(), finished_at = now()
    where id = ${runId}::uuid`);
  // As after pg-boss's last attempt: the job is failed there too.
  await db.execute(sql`update pgboss.job set state = 'failed', completed_on = now() where id = ${runId}::uuid`);
  return runId;
}
