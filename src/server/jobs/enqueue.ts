/**
 * `enqueue(db, job, input)`: the one way work leaves a request. The input is checked against the job's schema (a
 * wrong one is a compile error, and at run time a clear error that writes nothing), its secret fields are sealed,
 * and the run is recorded in the jobs table and handed to the driver in one statement on the caller's connection:
 * inside the caller's transaction when it passes one, so the job exists exactly when the caller's change does.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { jobsDriver } from "@/env";
import type { Db } from "../db";
import { AppError } from "../errors";
import { maxAttemptsOf, systemStarter, type AnyJobDefinition, type JobDefinition, type JobStarter } from "./definition";
import { drizzleExecutor, jobSender } from "./embedded/boss";
import type { JobEnvelope } from "./execute";
import { displayInput } from "./mirror";
import { sealFields } from "./sealing";

/** Workers listen here: the payload is the job's queue, and the notification arrives when the caller commits. */
export const jobsChannel = "granary_jobs";
/** Inngest driver: runs waiting to be sent to the Inngest server. */
export const dispatchChannel = "granary_job_dispatch";

export interface EnqueueOptions {
  startedBy?: JobStarter;
  /** Not before this moment. */
  startAfter?: Date;
  /** For an administrator's retry: the run keeps its id and counts attempts on. */
  runId?: string;
  priorAttempts?: number;
}

export class JobInputError extends AppError {
  constructor(job: string, error: z.ZodError) {
    super(
      "BAD_REQUEST",
      `Invalid input for the job ${job}: ${error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ")}`,
    );
  }
}

export async function enqueue<Schema extends z.ZodType>(
  db: Db,
  job: JobDefinition<Schema, unknown>,
  input: z.input<Schema>,
  options: EnqueueOptions = {},
): Promise<{ runId: string }> {
  const parsed = job.input.safeParse(input);
  if (!parsed.success) throw new JobInputError(job.id, parsed.error);
  const envelope: JobEnvelope = {
    input: sealFields(parsed.data, job.secretFields),
    startedBy: options.startedBy ?? systemStarter,
    // Only what a run needs: every byte of it is read again by each of pg-boss's fetches while the job waits.
    ...(job.concurrencyKey ? { concurrencyKey: job.concurrencyKey(parsed.data) } : {}),
    ...(options.priorAttempts ? { priorAttempts: options.priorAttempts } : {}),
  };
  const runId = options.runId ?? randomUUID();
  await enqueueEnvelope(db, job as AnyJobDefinition, envelope, runId, options);
  return { runId };
}

/** Hands an already sealed envelope to the driver: `enqueue`, and retries of recorded runs. */
export async function enqueueEnvelope(db: Db, job: AnyJobDefinition, envelope: JobEnvelope, runId: string, options: EnqueueOptions = {}): Promise<void> {
  const driver = jobsDriver();
  const starter = envelope.startedBy;
  // The mirror row is written by the statement that also wakes the workers (or the Inngest dispatcher): pg_notify in
  // the row's source runs once, and PostgreSQL delivers it on commit.
  const mirrorRow = sql`
    insert into job_runs (id, job_name, priority, status, attempts, max_attempts, input, payload, started_by_kind, started_by_user_id,
      started_by_label, driver, queued_at, next_attempt_at)
    select ${runId}::uuid, ${job.id}, ${job.priority}, 'queued', ${envelope.priorAttempts ?? 0}::int,
      ${(envelope.priorAttempts ?? 0) + maxAttemptsOf(job)}::int, ${JSON.stringify(displayInput(job, envelope.input))}::jsonb,
      ${JSON.stringify(driver === "inngest" ? { ...envelope, runId } : envelope)}::jsonb, ${starter.kind}, ${starter.userId ?? null}::uuid,
      ${starter.label}, ${driver}, now(), ${options.startAfter ? options.startAfter.toISOString() : null}::timestamptz
    from (select pg_notify(${driver === "inngest" ? dispatchChannel : jobsChannel}, ${driver === "inngest" ? runId : job.id})) as wake
    on conflict (id) do update set status = 'queued', attempts = excluded.attempts, max_attempts = excluded.max_attempts, payload = excluded.payload,
      error = null, error_stack = null, result = null, progress = 0, progress_message = null, started_at = null, finished_at = null,
      next_attempt_at = excluded.next_attempt_at, dispatched_at = null, queued_at = now()`;
  if (driver === "inngest") {
    await db.execute(mirrorRow);
    return;
  }
  const queued = await jobSender().send(job.id, envelope as unknown as object, {
    id: runId,
    // On a singleton queue (a job with a concurrency key) at most one job per key is active; others need no key.
    ...(envelope.concurrencyKey ? { singletonKey: envelope.concurrencyKey } : {}),
    startAfter: options.startAfter,
    db: drizzleExecutor(db, sql`with granary_run as (${mirrorRow}) `),
  });
  if (queued === null) {
    throw new Error(`The job queue ${job.id} does not exist or the run ${runId} is queued already: were the queues prepared (prepareJobStorage)?`);
  }
}
