/**
 * The site administrator's view of background jobs, for the Task Queue and Periodic tasks pages: workers (lost ones
 * marked), queue counts, runs by queue and status, a run with its log, and the actions on them. Reads come from the
 * jobs table, which both drivers keep, so the pages are the same whichever runs the jobs; actions reach the driver.
 */
import cronParser from "cron-parser";
import cronstrue from "cronstrue";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { jobQueueNames, jobQueueSchema, jobRunIdSchema, listJobRunsSchema, periodicTaskSchema, type JobQueueName } from "@/shared/schemas/jobs";
import { assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import type { JobPriority, JobRunStatus } from "../db/schema";
import { AppError } from "../errors";
import { drizzleExecutor, jobSender } from "../jobs/embedded/boss";
import { enqueue, enqueueEnvelope } from "../jobs/enqueue";
import type { JobEnvelope } from "../jobs/execute";
import { findJobDefinition, jobDefinitions } from "../jobs/registry";
import { notifyWorkers } from "../jobs/workers";
import { recordAudit } from "./audit";

// The shared schemas (for forms and the client) and the table agree on the queue names.
const queuesMatch: readonly JobPriority[] = jobQueueNames satisfies readonly JobQueueName[];
void queuesMatch;

export type WorkerState = "live" | "lost" | "stopped";

export interface WorkerSummary {
  id: string;
  host: string;
  pid: number;
  queues: JobPriority[];
  concurrency: number;
  driver: "embedded" | "inngest";
  state: WorkerState;
  startedAt: Date;
  lastHeartbeatAt: Date;
  stoppedAt: Date | null;
  restartRequestedAt: Date | null;
  /** What it runs now. */
  running: Array<{ runId: string; jobName: string; startedAt: Date | null; progress: number; progressMessage: string | null }>;
}

/** Workers that are alive, lost, or stopped within the last day, newest first. */
export async function listWorkers(db: Db, actor: Actor): Promise<{ items: WorkerSummary[]; lostAfterSeconds: number }> {
  assertCan(actor, "admin:jobs:read");
  const rows = await db.execute<{
    id: string;
    host: string;
    pid: number;
    queues: JobPriority[];
    concurrency: number;
    driver: "embedded" | "inngest";
    started_at: Date;
    last_heartbeat_at: Date;
    stopped_at: Date | null;
    restart_requested_at: Date | null;
    lost: boolean;
    running: Array<{ runId: string; jobName: string; startedAt: string | null; progress: number; progressMessage: string | null }>;
  }>(sql`
    select worker.id, worker.host, worker.pid, worker.queues, worker.concurrency, worker.driver, worker.started_at, worker.last_heartbeat_at,
      worker.stopped_at, worker.restart_requested_at,
      (worker.stopped_at is null and (worker.lost_at is not null
        or worker.last_heartbeat_at < now() - make_interval(secs => ${env.JOBS_LOST_AFTER_SECONDS}))) as lost,
      coalesce((
        select json_agg(json_build_object('runId', run.id, 'jobName', run.job_name, 'startedAt', run.started_at, 'progress', run.progress,
          'progressMessage', run.progress_message) order by run.started_at)
        from job_runs run where run.worker_id = worker.id and run.status = 'running'
      ), '[]'::json) as running
    from job_workers worker
    where worker.stopped_at is null or worker.stopped_at > now() - interval '1 day'
    order by worker.started_at desc, worker.id
    limit 200`);
  return {
    lostAfterSeconds: env.JOBS_LOST_AFTER_SECONDS,
    items: rows.map((row) => ({
      id: row.id,
      host: row.host,
      pid: row.pid,
      queues: row.queues,
      concurrency: row.concurrency,
      driver: row.driver,
      state: row.stopped_at ? "stopped" : row.lost ? "lost" : "live",
      startedAt: new Date(row.started_at),
      lastHeartbeatAt: new Date(row.last_heartbeat_at),
      stoppedAt: row.stopped_at ? new Date(row.stopped_at) : null,
      restartRequestedAt: row.restart_requested_at ? new Date(row.restart_requested_at) : null,
      running: row.running.map((run) => ({ ...run, startedAt: run.startedAt ? new Date(run.startedAt) : null })),
    })),
  };
}

export interface QueueCounts {
  queue: JobPriority;
  /** Queued and waiting to retry. */
  backlog: number;
  running: number;
  failed: number;
}

export async function getQueueCounts(db: Db, actor: Actor): Promise<{ queues: QueueCounts[] }> {
  assertCan(actor, "admin:jobs:read");
  const rows = await db.execute<{ priority: JobPriority; status: JobRunStatus; count: number }>(sql`
    select priority, status, count(*)::int as count from job_runs where status in ('queued', 'retrying', 'running', 'failed') group by 1, 2`);
  return {
    queues: jobQueueNames.map((queue) => {
      const of = (...statuses: JobRunStatus[]) =>
        rows.filter((row) => row.priority === queue && statuses.includes(row.status)).reduce((sum, row) => sum + row.count, 0);
      return { queue, backlog: of("queued", "retrying"), running: of("running"), failed: of("failed") };
    }),
  };
}

export interface RunSummary {
  id: string;
  jobName: string;
  queue: JobPriority;
  status: JobRunStatus;
  attempts: number;
  maxAttempts: number;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  startedBy: { kind: string; userId: string | null; label: string };
  workerLabel: string | null;
  driver: "embedded" | "inngest";
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  nextAttemptAt: Date | null;
}

const summaryColumns = sql`id, job_name, priority, status, attempts, max_attempts, progress, progress_message, error, started_by_kind,
  started_by_user_id, started_by_label, worker_label, driver, queued_at, started_at, finished_at, next_attempt_at`;

type SummaryRow = {
  id: string;
  job_name: string;
  priority: JobPriority;
  status: JobRunStatus;
  attempts: number;
  max_attempts: number;
  progress: number;
  progress_message: string | null;
  error: string | null;
  started_by_kind: string;
  started_by_user_id: string | null;
  started_by_label: string;
  worker_label: string | null;
  driver: "embedded" | "inngest";
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  next_attempt_at: Date | null;
};

const date = (value: Date | string | null) => (value === null ? null : new Date(value));

function toSummary(row: SummaryRow): RunSummary {
  return {
    id: row.id,
    jobName: row.job_name,
    queue: row.priority,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    progress: row.progress,
    progressMessage: row.progress_message,
    error: row.error,
    startedBy: { kind: row.started_by_kind, userId: row.started_by_user_id, label: row.started_by_label },
    workerLabel: row.worker_label,
    driver: row.driver,
    queuedAt: new Date(row.queued_at),
    startedAt: date(row.started_at),
    finishedAt: date(row.finished_at),
    nextAttemptAt: date(row.next_attempt_at),
  };
}

function encodeCursor(row: { queuedAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.queuedAt.toISOString(), row.id])).toString("base64url");
}

function decodeCursor(cursor: string): { queuedAt: string; id: string } {
  try {
    const [queuedAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof queuedAt !== "string" || Number.isNaN(Date.parse(queuedAt)) || typeof id !== "string" || !z.uuid().safeParse(id).success) throw new Error();
    return { queuedAt, id };
  } catch {
    throw AppError.field("cursor", "This page of runs no longer exists: start from the first page.");
  }
}

/** The runs of a queue, newest first, optionally in some states; keyset-paged (pass `nextCursor` back). */
export async function listRuns(db: Db, actor: Actor, rawInput: z.input<typeof listJobRunsSchema>) {
  assertCan(actor, "admin:jobs:read");
  const input = listJobRunsSchema.parse(rawInput);
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const rows = await db.execute<SummaryRow>(sql`
    select ${summaryColumns} from job_runs
    where priority = ${input.queue}
      ${input.statuses?.length ? sql`and status in (${sql.join(input.statuses.map((status) => sql`${status}`), sql`, `)})` : sql``}
      ${after ? sql`and (queued_at, id) < (${after.queuedAt}::timestamptz, ${after.id}::uuid)` : sql``}
    order by queued_at desc, id desc
    limit ${input.limit + 1}`);
  const items = rows.slice(0, input.limit).map(toSummary);
  return { items, nextCursor: rows.length > input.limit ? encodeCursor(items.at(-1)!) : null };
}

const logsPerRun = 2000;

/** A run with its input (secrets redacted), result, error and the lines its logger wrote. */
export async function getRun(db: Db, actor: Actor, rawInput: z.input<typeof jobRunIdSchema>) {
  assertCan(actor, "admin:jobs:read");
  const { id } = jobRunIdSchema.parse(rawInput);
  const [row] = await db.execute<SummaryRow & { input: unknown; result: unknown; error_stack: string | null; external_id: string | null }>(sql`
    select ${summaryColumns}, input, result, error_stack, external_id from job_runs where id = ${id}::uuid`);
  if (!row) throw new AppError("NOT_FOUND", "This run does not exist.");
  const logs = await db.execute<{ attempt: number; level: string; message: string; logged_at: Date }>(sql`
    select attempt, level, message, logged_at from job_run_logs where run_id = ${id}::uuid order by id limit ${logsPerRun}`);
  return {
    ...toSummary(row),
    input: row.input,
    result: row.result,
    errorStack: row.error_stack,
    externalId: row.external_id,
    logs: logs.map((line) => ({ attempt: line.attempt, level: line.level, message: line.message, loggedAt: new Date(line.logged_at) })),
  };
}

async function loadRun(db: Db, id: string) {
  const [row] = await db.execute<{ id: string; job_name: string; status: JobRunStatus; attempts: number; payload: JobEnvelope; driver: string; priority: JobPriority }>(
    sql`select id, job_name, status, attempts, payload, driver, priority from job_runs where id = ${id}::uuid for update`,
  );
  return row;
}

/** Puts a failed run back in its queue, keeping its id; it gets its job's attempts again, counted on. */
async function requeueFailedRun(tx: Db, run: NonNullable<Awaited<ReturnType<typeof loadRun>>>): Promise<void> {
  const definition = findJobDefinition(run.job_name);
  if (!definition) throw new AppError("PRECONDITION_FAILED", `The job ${run.job_name} no longer exists, so this run cannot be retried.`);
  const envelope: JobEnvelope = { ...run.payload, priorAttempts: run.attempts };
  delete envelope.runId;
  if (run.driver === "embedded") {
    // pg-boss keeps the failed job for a while under the same id: it makes way for the new one.
    await jobSender().deleteJob(definition.id, run.id, { db: drizzleExecutor(tx) });
  }
  await enqueueEnvelope(tx, definition, envelope, run.id);
}

export async function retryRun(db: Db, actor: Actor, rawInput: z.input<typeof jobRunIdSchema>): Promise<{ id: string; status: "queued" }> {
  assertCan(actor, "admin:jobs:update");
  const { id } = jobRunIdSchema.parse(rawInput);
  await db.transaction(async (tx) => {
    const run = await loadRun(tx, id);
    if (!run) throw new AppError("NOT_FOUND", "This run does not exist.");
    if (run.status !== "failed") throw new AppError("PRECONDITION_FAILED", `Only failed runs can be retried; this one is ${run.status}.`);
    await requeueFailedRun(tx, run);
    await recordAudit(tx, actor, { action: "admin.job_retried", target: { type: "job_run", id: run.id, label: run.job_name }, details: { attempts: run.attempts } });
  });
  return { id, status: "queued" };
}

export async function retryFailedRuns(db: Db, actor: Actor, rawInput: z.input<typeof jobQueueSchema>): Promise<{ retried: number }> {
  assertCan(actor, "admin:jobs:update");
  const { queue } = jobQueueSchema.parse(rawInput);
  return db.transaction(async (tx) => {
    const ids = await tx.execute<{ id: string }>(sql`
      select id from job_runs where priority = ${queue} and status = 'failed' order by queued_at limit 1000 for update skip locked`);
    let retried = 0;
    for (const { id } of ids) {
      const run = await loadRun(tx, id);
      if (!run || !findJobDefinition(run.job_name)) continue;
      await requeueFailedRun(tx, run);
      retried += 1;
    }
    await recordAudit(tx, actor, { action: "admin.jobs_retried", target: { type: "job_queue", label: queue }, details: { retried } });
    return { retried };
  });
}

/** A queued or waiting run never starts; a running one is told to stop (its body sees its signal aborted). */
export async function cancelRun(db: Db, actor: Actor, rawInput: z.input<typeof jobRunIdSchema>): Promise<{ id: string; status: "cancelled" }> {
  assertCan(actor, "admin:jobs:update");
  const { id } = jobRunIdSchema.parse(rawInput);
  const wasRunning = await db.transaction(async (tx) => {
    const run = await loadRun(tx, id);
    if (!run) throw new AppError("NOT_FOUND", "This run does not exist.");
    if (!["queued", "retrying", "running"].includes(run.status)) {
      throw new AppError("PRECONDITION_FAILED", `Only queued, waiting or running runs can be cancelled; this one is ${run.status}.`);
    }
    await tx.execute(sql`update job_runs set status = 'cancelled', finished_at = now(), next_attempt_at = null where id = ${id}::uuid`);
    if (run.driver === "embedded") await jobSender().cancel(run.job_name, run.id, { db: drizzleExecutor(tx) });
    await recordAudit(tx, actor, { action: "admin.job_cancelled", target: { type: "job_run", id: run.id, label: run.job_name }, details: { status: run.status } });
    return run.status === "running";
  });
  if (wasRunning) await notifyWorkers(db, { kind: "cancel", runId: id });
  return { id, status: "cancelled" };
}

function describeSchedule(cron: string): string {
  return `${cronstrue.toString(cron, { use24HourTimeFormat: true, verbose: false })} (UTC)`;
}

export interface PeriodicTask {
  name: string;
  description: string;
  queue: JobPriority;
  cron: string;
  schedule: string;
  nextRunAt: Date;
  lastRun: { id: string; status: JobRunStatus; queuedAt: Date; finishedAt: Date | null; message: string | null; startedBy: string } | null;
  runCount: number;
}

export async function listPeriodicTasks(db: Db, actor: Actor): Promise<{ items: PeriodicTask[] }> {
  assertCan(actor, "admin:jobs:read");
  const scheduled = jobDefinitions.filter((definition) => definition.schedule);
  const rows = scheduled.length
    ? await db.execute<{ job_name: string; runs: number; id: string; status: JobRunStatus; queued_at: Date; finished_at: Date | null; error: string | null; started_by_label: string; last_line: string | null }>(sql`
        select counts.job_name, counts.runs, latest.id, latest.status, latest.queued_at, latest.finished_at, latest.error, latest.started_by_label,
          (select message from job_run_logs where run_id = latest.id order by id desc limit 1) as last_line
        from (select job_name, count(*)::int as runs from job_runs
              where job_name in (${sql.join(scheduled.map((definition) => sql`${definition.id}`), sql`, `)}) group by job_name) as counts
        cross join lateral (select id, status, queued_at, finished_at, error, started_by_label from job_runs
                            where job_name = counts.job_name order by queued_at desc, id desc limit 1) as latest`)
    : [];
  const now = new Date();
  return {
    items: scheduled.map((definition) => {
      const cron = definition.schedule!.cron;
      const row = rows.find((candidate) => candidate.job_name === definition.id);
      return {
        name: definition.id,
        description: definition.description,
        queue: definition.priority,
        cron,
        schedule: describeSchedule(cron),
        nextRunAt: cronParser.parseExpression(cron, { tz: "UTC", currentDate: now }).next().toDate(),
        runCount: row?.runs ?? 0,
        lastRun: row
          ? {
              id: row.id,
              status: row.status,
              queuedAt: new Date(row.queued_at),
              finishedAt: date(row.finished_at),
              message: row.error ?? row.last_line,
              startedBy: row.started_by_label,
            }
          : null,
      };
    }),
  };
}

/** Queues a periodic task now, besides its schedule. */
export async function runPeriodicTask(db: Db, actor: Actor, rawInput: z.input<typeof periodicTaskSchema>): Promise<{ runId: string }> {
  assertCan(actor, "admin:jobs:update");
  const { name } = periodicTaskSchema.parse(rawInput);
  const definition = findJobDefinition(name);
  if (!definition?.schedule) throw AppError.field("name", `There is no periodic task named ${name}.`, "NOT_FOUND");
  const { user } = requireUser(actor);
  return db.transaction(async (tx) => {
    const queued = await enqueue(tx, definition, {}, { startedBy: { kind: "user", userId: user.id, label: user.username } });
    await recordAudit(tx, actor, { action: "admin.periodic_task_started", target: { type: "job_run", id: queued.runId, label: definition.id } });
    return queued;
  });
}

/**
 * Asks every live worker to restart: each finishes (or, after its grace period, hands back) what it runs and starts
 * afresh. Workers hear it at once through a notification, or at their next beat.
 */
export async function restartWorkers(db: Db, actor: Actor): Promise<{ workers: number }> {
  assertCan(actor, "admin:jobs:update");
  const workers = await db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: string }>(sql`
      update job_workers set restart_requested_at = now() where stopped_at is null and lost_at is null returning id`);
    await recordAudit(tx, actor, { action: "admin.workers_restart_requested", target: { type: "job_workers", label: "all" }, details: { workers: rows.length } });
    return rows.length;
  });
  await notifyWorkers(db, { kind: "restart" });
  return { workers };
}
