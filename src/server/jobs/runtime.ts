/**
 * Starting the job layer in a process: `npm start` (a worker inside the server unless JOBS_WORKER=off) and
 * `npm run worker` (a worker on its own). Embedded driver: prepares pg-boss's storage, then runs a worker, which an
 * administrator's "restart workers" replaces with a fresh one (the running attempts finish first, or are handed back
 * after the grace period). Inngest driver: registers the serving process as a worker and runs the event dispatcher.
 */
import { randomUUID } from "node:crypto";
import { env, jobsDriver } from "@/env";
import { activeApplications } from "../applications/active-applications";
import type { Db } from "../db";
import { prepareEmailRendering } from "../email/delivery";
import { configuredMailTransport } from "../services/mail-settings";
import { getBlobStore } from "../storage";
import type { AnyJobDefinition, JobDependencies } from "./definition";
import { prepareJobStorage } from "./embedded/boss";
import { EmbeddedWorker } from "./embedded/worker";
import { createInngestClient, InngestDispatcher } from "./inngest";
import { jobDefinitions } from "./registry";
import { beat, markStopped, registerWorker, type WorkerIdentity } from "./workers";

export interface JobRuntimeOptions {
  databaseUrl: string;
  db: Db;
  /** Run a worker in this process (embedded driver). */
  worker: boolean;
  definitions?: readonly AnyJobDefinition[];
  dependencies?: Partial<JobDependencies>;
  log?: (message: string) => void;
}

export interface JobRuntime {
  driver: "embedded" | "inngest";
  /** The worker's row id while one runs in this process. */
  workerId(): string | null;
  workerLabel(): string;
  stop(): Promise<void>;
}

export function defaultJobDependencies(db: Db, overrides: Partial<JobDependencies> = {}): JobDependencies {
  return { db, mailer: overrides.mailer ?? configuredMailTransport(), blobs: overrides.blobs ?? getBlobStore(), ...overrides };
}

const globalRuntime = globalThis as unknown as { granaryJobRuntime?: JobRuntime };

/** The runtime started in this process (the Inngest route handler records its runs under its worker). */
export function currentJobRuntime(): JobRuntime | undefined {
  return globalRuntime.granaryJobRuntime;
}

export async function startJobRuntime(options: JobRuntimeOptions): Promise<JobRuntime> {
  const log = options.log ?? ((message: string) => console.log(`[granary jobs] ${message}`));
  const definitions = options.definitions ?? jobDefinitions;
  const dependencies = defaultJobDependencies(options.db, options.dependencies);
  const runtime = jobsDriver() === "inngest" ? await startInngest(options, log) : await startEmbedded(options, definitions, dependencies, log);
  globalRuntime.granaryJobRuntime = runtime;
  return runtime;
}

async function startEmbedded(
  options: JobRuntimeOptions,
  definitions: readonly AnyJobDefinition[],
  dependencies: JobDependencies,
  log: (message: string) => void,
): Promise<JobRuntime> {
  await prepareJobStorage(options.databaseUrl, definitions);
  if (!options.worker) {
    return { driver: "embedded", workerId: () => null, workerLabel: () => "", stop: async () => {} };
  }
  await prepareEmailRendering();
  let current: EmbeddedWorker | undefined;
  let stopped = false;
  let restarting: Promise<void> = Promise.resolve();
  const launch = async () => {
    const worker = new EmbeddedWorker({
      databaseUrl: options.databaseUrl,
      db: options.db,
      definitions,
      queues: env.JOBS_QUEUES,
      concurrency: env.JOBS_CONCURRENCY,
      pollIntervalMs: env.JOBS_POLL_SECONDS * 1000,
      heartbeatMs: env.JOBS_HEARTBEAT_SECONDS * 1000,
      lostAfterMs: env.JOBS_LOST_AFTER_SECONDS * 1000,
      dependencies,
      log: (message) => log(message),
      onRestartRequested: (worker) => {
        restarting = restarting.then(async () => {
          if (stopped || worker !== current) return;
          log(`Restarting the worker ${worker.label} as an administrator asked: running jobs finish first.`);
          await restartEmbeddedWorker(worker, options.db, async () => {
            if (!stopped) await launch();
          }, log);
        });
      },
    });
    await worker.start();
    current = worker;
    log(`Worker ${worker.label} serves the ${env.JOBS_QUEUES.join(", ")} queue(s), ${env.JOBS_CONCURRENCY} job(s) at a time.`);
  };
  await launch();
  return {
    driver: "embedded",
    workerId: () => current?.id ?? null,
    workerLabel: () => current?.label ?? "",
    async stop() {
      stopped = true;
      await restarting;
      await current?.stop();
    },
  };
}

/**
 * Restart workers (Admin → Actions): the worker finishes its running jobs (or hands them back after its grace
 * period) while queued ones stay in the queue, the process reloads the active applications' current versions, and a
 * fresh worker takes the queue up again.
 */
export async function restartEmbeddedWorker(worker: EmbeddedWorker, db: Db, launch: () => Promise<void>, log: (message: string) => void): Promise<void> {
  await worker.stop();
  try {
    const loaded = await activeApplications().reload(db);
    log(`Loaded ${loaded?.applications.size ?? 0} active application(s) for the restarted worker.`);
  } catch (error) {
    // The worker comes back regardless: it loads them on first use instead.
    log(`Reloading the applications for the restarted worker failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await launch();
}

async function startInngest(options: JobRuntimeOptions, log: (message: string) => void): Promise<JobRuntime> {
  const client = createInngestClient();
  const dispatcher = new InngestDispatcher(options.databaseUrl, options.db, client, log);
  await dispatcher.start();
  // The process that serves /api/inngest is where Inngest runs the jobs: it is the worker the Task Queue shows.
  const identity: WorkerIdentity = await registerWorker(options.db, { id: randomUUID(), queues: ["high", "default", "low", "user-tasks"], concurrency: 0, driver: "inngest" });
  const timer = setInterval(() => void beat(options.db, identity.id).catch(() => {}), env.JOBS_HEARTBEAT_SECONDS * 1000);
  timer.unref();
  log(`Jobs go to the Inngest server${env.INNGEST_BASE_URL ? ` at ${env.INNGEST_BASE_URL}` : ""}; it calls /api/inngest.`);
  return {
    driver: "inngest",
    workerId: () => identity.id,
    workerLabel: () => identity.label,
    async stop() {
      clearInterval(timer);
      await dispatcher.stop();
      await markStopped(options.db, identity.id).catch(() => {});
    },
  };
}
