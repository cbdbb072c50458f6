/**
 * One pg-boss job through one attempt, for the worker and for tests' drainJobs: record the start, run, record the
 * finish, and settle the job in pg-boss as the mirror agreed (completed, failed for a retry, or left alone when the
 * run is no longer this worker's).
 */
import type PgBoss from "pg-boss";
import { retryDelaySeconds, type AnyJobDefinition, type JobDependencies } from "../definition";
import { JobCancelledError, runAttempt, type JobEnvelope } from "../execute";
import { finishOf, type MirrorWriter } from "../mirror";

/** What an attempt needs of a pg-boss job: pg-boss's own fetch and the worker's (mirror.ts, FetchedJob) both give it. */
export type ProcessedJob = Pick<PgBoss.JobWithMetadata<JobEnvelope>, "id" | "data" | "retryCount" | "createdOn">;

export interface JobProcessorOptions {
  boss: PgBoss;
  writer: MirrorWriter;
  dependencies: JobDependencies;
  workerId: string | null;
  workerLabel: string;
  log: (message: string) => void;
}

export class JobProcessor {
  private settleQueue = new Map<string, string[]>();
  private settling: Promise<void> = Promise.resolve();
  private settleScheduled = false;

  constructor(private readonly options: JobProcessorOptions) {}

  /**
   * `onBodyDone` is told when the attempt's body has ended, before its bookkeeping: the worker's slot is free from then
   * on, so the write that records this attempt can already fetch its successor.
   */
  async process(definition: AnyJobDefinition, job: ProcessedJob, controller = new AbortController(), onBodyDone?: () => void): Promise<void> {
    const { writer, boss } = this.options;
    const envelope = job.data;
    const attempt = (envelope.priorAttempts ?? 0) + job.retryCount + 1;
    const started = writer.start({
      runId: job.id,
      attempt,
      definition,
      envelope,
      queuedAt: job.createdOn,
      startedAt: new Date(),
      workerId: this.options.workerId,
      workerLabel: this.options.workerLabel,
      driver: "embedded",
    });
    let refused = false;
    void started.then((result) => {
      // Cancelled, finished or given up meanwhile (a duplicate delivery): not to be run.
      if (result === undefined) {
        refused = true;
        controller.abort(new JobCancelledError());
      }
    });
    const outcome = await runAttempt(definition, envelope, {
      runId: job.id,
      number: attempt,
      dependencies: this.options.dependencies,
      observer: writer,
      cancel: controller.signal,
    });
    onBodyDone?.();
    const nextAttemptAt = new Date(Date.now() + retryDelaySeconds(definition.retries, job.retryCount + 1) * 1000);
    const finish = finishOf(outcome, nextAttemptAt);
    // Asked for before the start's write is awaited: a short run's start and finish then go out as one write.
    const finished = writer.finish(job.id, definition.id, attempt, finish);
    const startResult = await started;
    const written = await finished;
    // The table could not be written: leave the job active, and pg-boss's expiry retries it.
    if (startResult === null) return;
    if (refused || startResult === undefined) {
      // This worker holds the pg-boss job (it just fetched it): settle it so it is not delivered again.
      this.settle(definition.id, job.id);
      return;
    }
    // Taken over (this worker was given up for lost), cancelled meanwhile, or not written: not ours to settle.
    if (!written) return;
    // A success was completed in pg-boss by the mirror's own write.
    if (written.status === "retrying" || written.status === "failed") {
      await boss.fail(definition.id, job.id, { message: finish.error ?? "failed" }).catch((error: unknown) => this.options.log(`pg-boss fail: ${String(error)}`));
    }
  }

  /** Completes jobs in pg-boss; those that finish together go in one statement per queue. */
  private settle(queue: string, id: string): void {
    const ids = this.settleQueue.get(queue) ?? [];
    ids.push(id);
    this.settleQueue.set(queue, ids);
    if (this.settleScheduled) return;
    this.settleScheduled = true;
    this.settling = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.settleScheduled = false;
      const batches = this.settleQueue;
      this.settleQueue = new Map();
      await Promise.all(
        [...batches].map(([name, jobIds]) =>
          this.options.boss.complete(name, jobIds).catch((error: unknown) => this.options.log(`pg-boss complete: ${String(error)}`)),
        ),
      );
    });
  }

  /** Waits for the completions already asked for. */
  async settled(): Promise<void> {
    await this.settling;
  }
}
