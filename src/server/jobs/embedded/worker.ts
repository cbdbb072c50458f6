/**
 * The embedded driver's worker: fetches due jobs from pg-boss, high-priority queues first, up to its concurrency;
 * runs each attempt (execute.ts), records it in the mirror (mirror.ts) and settles it in pg-boss. It sleeps when
 * there is nothing to do and wakes at once when a job is queued (PostgreSQL notification from `enqueue`), when a
 * slot frees, or at the poll interval (retries and schedules become due without a notification).
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import postgres from "postgres";
import type { Db } from "../../db";
import { connectDatabase, type DatabaseConnection } from "../../db/client";
import type { JobPriority } from "../../db/schema";
import type { AnyJobDefinition, JobDependencies } from "../definition";
import { jobsChannel } from "../enqueue";
import { JobCancelledError, type JobEnvelope } from "../execute";
import { MirrorWriter, type FetchedJob, type FetchRequest } from "../mirror";
import { beat, claimLostWorkers, markStopped, registerWorker, runningRunsOf, workerControlChannel, type WorkerIdentity } from "../workers";
import { createBoss, registerQueues } from "./boss";
import { JobProcessor, type ProcessedJob } from "./processor";

export interface EmbeddedWorkerOptions {
  databaseUrl: string;
  /** Granary's own pool: heartbeats, recovery of lost workers (the mirror's writes have a connection of their own). */
  db: Db;
  definitions: readonly AnyJobDefinition[];
  queues: readonly JobPriority[];
  concurrency: number;
  pollIntervalMs: number;
  heartbeatMs: number;
  lostAfterMs: number;
  dependencies: JobDependencies;
  /** How long a stopping worker lets running attempts finish before it hands them back. */
  stopGraceMs?: number;
  maintenanceIntervalSeconds?: number;
  log?: (message: string) => void;
  /** An administrator asked every worker to restart. */
  onRestartRequested?: (worker: EmbeddedWorker) => void;
}

interface Running {
  definition: AnyJobDefinition;
  controller: AbortController;
  done: Promise<void>;
}

export class EmbeddedWorker {
  readonly id = randomUUID();
  private identity: WorkerIdentity | undefined;
  private boss: PgBoss | undefined;
  private listener: postgres.Sql | undefined;
  private writer: MirrorWriter;
  private readonly running = new Map<string, Running>();
  /** Attempts whose body runs now: the slots in use (a run whose body ended is only being written down). */
  private executing = 0;
  private readonly mirrorConnection: DatabaseConnection;
  private readonly byQueue: Map<JobPriority, AnyJobDefinition[]>;
  private readonly definitionsById: Map<string, AnyJobDefinition>;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeRequested = false;
  private wakeUp: (() => void) | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private restartSignalled = false;
  private processor!: JobProcessor;

  constructor(private readonly options: EmbeddedWorkerOptions) {
    this.byQueue = new Map(options.queues.map((queue) => [queue, options.definitions.filter((definition) => definition.priority === queue)]));
    this.definitionsById = new Map(options.definitions.map((definition) => [definition.id, definition]));
    // The writes (and the fetches they carry) are a few fixed statements run over and over: prepared, on connections
    // of their own that keep their generic plans.
    this.mirrorConnection = connectDatabase(options.databaseUrl, { max: 2, genericPlans: true });
    this.mergedQueues = options.queues.flatMap((queue) =>
      (this.byQueue.get(queue) ?? []).filter((definition) => !definition.concurrencyKey).map((definition) => definition.id),
    );
    this.writer = new MirrorWriter(this.mirrorConnection.db, {
      onError: (error) => this.log(`could not write the jobs table: ${String(error)}`),
      queues: options.definitions.map((definition) => definition.id),
      fetch: { request: () => this.fetchRequest(), deliver: (jobs) => this.deliver(jobs) },
    });
  }

  /** The standard-policy definitions this worker serves, fetched with the writes, in the order of its queues. */
  private readonly mergedQueues: string[];

  private fetchRequest(): FetchRequest | null {
    if (this.stopping || !this.processor) return null;
    return { queues: this.mergedQueues, limit: Math.max(0, this.options.concurrency - this.executing) };
  }

  private deliver(jobs: FetchedJob[]): void {
    for (const job of jobs) {
      const definition = this.definitionsById.get(job.name);
      // Fetched by name from the definitions this worker serves, so always found.
      if (definition) this.dispatch(definition, job);
    }
  }

  get label(): string {
    return this.identity?.label ?? "";
  }

  private log(message: string): void {
    (this.options.log ?? ((text: string) => console.error(`[granary jobs] ${text}`)))(message);
  }

  async start(): Promise<void> {
    const boss = createBoss(this.options.databaseUrl, { maintenanceIntervalSeconds: this.options.maintenanceIntervalSeconds });
    boss.on("error", (error: Error) => this.log(`pg-boss: ${error.message}`));
    await boss.start();
    this.boss = boss;
    await registerQueues(boss, this.options.definitions);
    this.identity = await registerWorker(this.options.db, {
      id: this.id,
      queues: this.options.queues,
      concurrency: this.options.concurrency,
      driver: "embedded",
    });
    this.processor = new JobProcessor({
      boss,
      writer: this.writer,
      dependencies: this.options.dependencies,
      workerId: this.id,
      workerLabel: this.identity.label,
      log: (message) => this.log(message),
    });
    const listener = postgres(this.options.databaseUrl, { max: 1, onnotice: () => {} });
    this.listener = listener;
    const served = new Set(this.options.definitions.filter((definition) => this.options.queues.includes(definition.priority)).map((definition) => definition.id));
    await listener.listen(jobsChannel, (queue) => {
      if (served.has(queue)) this.wake();
    });
    await listener.listen(workerControlChannel, (payload) => this.onControl(payload));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    this.loop = this.fetchLoop();
  }

  private onControl(payload: string): void {
    let message: { kind?: string; runId?: string };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      return;
    }
    if (message.kind === "cancel" && message.runId) this.running.get(message.runId)?.controller.abort(new JobCancelledError());
    if (message.kind === "restart") void this.heartbeat();
  }

  private async heartbeat(): Promise<void> {
    if (!this.identity) return;
    try {
      const state = await beat(this.options.db, this.id);
      if (state.wasLost) this.log(`this worker (${this.label}) had been given up for lost; its runs were handed to others`);
      if (state.restartRequested && !this.restartSignalled && !this.stopping) {
        this.restartSignalled = true;
        this.options.onRestartRequested?.(this);
      }
      await this.recoverLostWorkers();
    } catch (error) {
      this.log(`heartbeat failed: ${String(error)}`);
    }
  }

  /** Hands the runs of workers that stopped beating to pg-boss's retry policy, and the mirror shows it. */
  async recoverLostWorkers(): Promise<void> {
    const lost = await claimLostWorkers(this.options.db, this.options.lostAfterMs / 1000);
    if (lost.length === 0) return;
    const runs = await runningRunsOf(this.options.db, lost);
    this.log(`worker(s) ${lost.join(", ")} stopped beating; retrying ${runs.length} run(s) they had`);
    for (const run of runs) {
      await this.boss!.fail(run.jobName, run.id, { message: "The worker running this job stopped beating." });
      await this.options.db.execute(sql`
        update job_runs set status = case when attempts < max_attempts then 'retrying' else 'failed' end,
          error = 'The worker running this job stopped beating (killed or stuck); the attempt is given up.', finished_at = now()
        where id = ${run.id}::uuid and status = 'running' and attempts = ${run.attempts}`);
    }
  }

  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeRequested = false;
        this.wakeUp = undefined;
        done();
      };
    });
  }

  /**
   * While slots are free and jobs are due, fetches. Most fetches ride on the write that records the attempts that
   * just ended (mirror.ts, fetchFromQueues), so a busy worker makes one statement per batch; this loop fetches on its
   * own when the worker wakes (a job was queued, the poll interval passed) or a slot freed without anything to write.
   */
  private async fetchLoop(): Promise<void> {
    while (!this.stopping) {
      let exhausted = true;
      try {
        const merged = await this.writer.fetchNow();
        exhausted = merged.fetched < merged.asked;
        exhausted = (await this.fetchSingletons()) && exhausted;
      } catch (error) {
        this.log(`fetching jobs failed: ${String(error)}`);
      }
      if (this.stopping) break;
      // Full: the writes of the running attempts fetch their successors. Nothing due: wait for a notification or the
      // poll interval. Otherwise fetch again.
      if (this.executing >= this.options.concurrency || exhausted) {
        await this.sleep(this.options.pollIntervalMs);
        // Runs that finish together free their slots in the same turn: let them all, so the next fetch fills them at once.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /**
   * The singleton-policy definitions (those with a concurrency key), through pg-boss's own fetch, one queue at a time;
   * resolves whether none had more due than there were free slots.
   */
  private async fetchSingletons(): Promise<boolean> {
    let exhausted = true;
    for (const queue of this.options.queues) {
      for (const definition of this.byQueue.get(queue) ?? []) {
        if (!definition.concurrencyKey) continue;
        const free = this.options.concurrency - this.executing;
        if (free <= 0 || this.stopping) return false;
        const jobs = await this.boss!.fetch<JobEnvelope>(definition.id, { batchSize: free, includeMetadata: true });
        for (const job of jobs) this.dispatch(definition, job);
        if (jobs.length === free) exhausted = false;
      }
    }
    return exhausted;
  }

  private dispatch(definition: AnyJobDefinition, job: ProcessedJob): void {
    const controller = new AbortController();
    this.executing += 1;
    let bodyDone = false;
    const freeSlot = () => {
      if (bodyDone) return;
      bodyDone = true;
      this.executing -= 1;
    };
    const done = this.processor.process(definition, job, controller, freeSlot).finally(() => {
      freeSlot();
      this.running.delete(job.id);
      this.wake();
    });
    this.running.set(job.id, { definition, controller, done });
  }

  /** Runs now in this worker, by run id (tests, diagnostics). */
  runningRunIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Stops fetching, lets running attempts finish for up to the grace period, then hands the rest back (failed with a
   * message, so pg-boss retries them elsewhere), and says goodbye in the workers table.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake();
    clearInterval(this.heartbeatTimer);
    await this.loop;
    // A write in flight may still hand over jobs it fetched: they are this worker's to run (or hand back) too.
    await this.writer.flush();
    const grace = options.graceMs ?? this.options.stopGraceMs ?? 30_000;
    const all = Promise.all([...this.running.values()].map((run) => run.done));
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), grace).unref())]);
    if (timedOut) {
      for (const run of this.running.values()) run.controller.abort(new Error("Handed back: the worker stopped before the attempt finished."));
      await all;
    }
    await this.writer.close();
    await this.processor?.settled();
    await this.mirrorConnection.close().catch(() => {});
    await this.listener?.end({ timeout: 5 }).catch(() => {});
    if (this.identity) await markStopped(this.options.db, this.id).catch(() => {});
    await this.boss?.stop({ graceful: false, close: true, wait: true }).catch(() => {});
  }

  /** Settles whatever the last attempts left to complete (tests use it before reading pg-boss's state). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((run) => run.done));
    await this.writer.flush();
    await this.processor.settled();
  }

  definitionOf(id: string): AnyJobDefinition | undefined {
    return this.definitionsById.get(id);
  }
}
