/**
 * The jobs table's writer for workers. A busy worker would double its database work if every run wrote "running"
 * and then "finished" on its own, so writes are gathered: starts wait a few milliseconds (a short run is then written
 * once, started and finished together), finishes go out together, and log lines and progress ride along. Each write
 * says which runs it really changed: a run cancelled meanwhile, or taken over by another worker after this one was
 * thought lost, is not this worker's to finish any more.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db";
import { executePrepared } from "../db/prepared";
import type { JobRunStatus } from "../db/schema";
import type { AnyJobDefinition } from "./definition";
import { maxAttemptsOf } from "./definition";
import type { AttemptOutcome, JobEnvelope, LogLine } from "./execute";
import { jobsSchema } from "./embedded/boss";
import { redactFields } from "./sealing";

export interface RunStart {
  runId: string;
  /** Counted over the run's whole life, across retries an administrator asked for. */
  attempt: number;
  definition: AnyJobDefinition;
  envelope: JobEnvelope;
  queuedAt: Date;
  startedAt: Date;
  workerId: string | null;
  workerLabel: string | null;
  driver: "embedded" | "inngest";
  externalId?: string | null;
}

/** "retrying" asks for another attempt; the table turns it into "failed" once the run has used its attempts. */
export type FinishStatus = Extract<JobRunStatus, "succeeded" | "retrying" | "failed" | "cancelled">;

export interface RunFinish {
  status: FinishStatus;
  finishedAt: Date;
  result: unknown;
  error: string | null;
  stack: string | null;
  nextAttemptAt: Date | null;
}

export function finishOf(outcome: AttemptOutcome, nextAttemptAt: Date | null): RunFinish {
  const finishedAt = new Date();
  if (outcome.ok) return { status: "succeeded", finishedAt, result: outcome.result, error: null, stack: null, nextAttemptAt: null };
  return {
    status: outcome.cancelled ? "cancelled" : outcome.retriable ? "retrying" : "failed",
    finishedAt,
    result: null,
    error: outcome.error,
    stack: outcome.stack,
    nextAttemptAt: outcome.retriable ? nextAttemptAt : null,
  };
}

/** What the table says happened to a run after a write: undefined when the write did not apply to it. */
export interface WriteResult {
  status: JobRunStatus;
  attempt: number;
}

/** A result; undefined when the table refused the write (not this worker's run any more); null when it failed. */
export type WriteOutcome = WriteResult | undefined | null;

interface Pending {
  start?: RunStart;
  attempt?: number;
  queue?: string;
  finish?: RunFinish;
  progress?: { percent: number; message: string | null };
  onStarted: Array<(result: WriteOutcome) => void>;
  onFinished: Array<(result: WriteOutcome) => void>;
}

const timestamp = (value: Date | null) => sql`${value ? value.toISOString() : null}::timestamptz`;

/** The input for the Task Queue: sealed fields are shown redacted, never opened. */
export function displayInput(definition: AnyJobDefinition, sealedInput: unknown): unknown {
  return redactFields(sealedInput, definition.secretFields);
}


/**
 * A start's row as JSON: a batch of rows goes to PostgreSQL as one jsonb parameter (jsonb_to_recordset), which costs
 * the worker and the database far less than two dozen parameters per row.
 */
function startRow(start: RunStart, finish: RunFinish | undefined) {
  const definition = start.definition;
  const starter = start.envelope.startedBy;
  const maxAttempts = (start.envelope.priorAttempts ?? 0) + maxAttemptsOf(definition);
  // An attempt that asks for a retry when there is none left has failed.
  const status = finish ? (finish.status === "retrying" && start.attempt >= maxAttempts ? "failed" : finish.status) : "running";
  return {
    id: start.runId,
    job_name: definition.id,
    priority: definition.priority,
    status,
    attempts: start.attempt,
    max_attempts: maxAttempts,
    progress: finish?.status === "succeeded" ? 100 : 0,
    input: displayInput(definition, start.envelope.input) ?? null,
    payload: start.envelope,
    started_by_kind: starter.kind,
    started_by_user_id: starter.userId ?? null,
    started_by_label: starter.label,
    worker_id: start.workerId,
    worker_label: start.workerLabel,
    driver: start.driver,
    external_id: start.externalId ?? null,
    queued_at: start.queuedAt.toISOString(),
    started_at: start.startedAt.toISOString(),
    finished_at: finish?.finishedAt.toISOString() ?? null,
    result: finish?.result ?? null,
    error: finish?.error ?? null,
    error_stack: finish?.stack ?? null,
    next_attempt_at: status === "retrying" ? (finish?.nextAttemptAt?.toISOString() ?? null) : null,
  };
}

const startColumns = sql.raw(`id uuid, job_name text, priority text, status text, attempts int, max_attempts int, progress int, input jsonb,
  payload jsonb, started_by_kind text, started_by_user_id uuid, started_by_label text, worker_id uuid, worker_label text, driver text,
  external_id text, queued_at timestamptz, started_at timestamptz, finished_at timestamptz, result jsonb, error text, error_stack text,
  next_attempt_at timestamptz`);

/**
 * Completes, in pg-boss's table, the jobs of runs that succeeded, in the same statement as the mirror's write: a busy
 * worker would otherwise spend a second round trip per batch on it. The statement is pg-boss 10's own completion
 * (src/plans.js, completeJobs: state, completed_on, active jobs only), named here because it joins the mirror's rows.
 */
const completeInQueue = (rows: SQL, queues: readonly string[]) => sql`
  completed as (
    update ${sql.raw(jobsSchema)}.job as job set state = 'completed', completed_on = now()
    from ${rows} where job.name = done.job_name and job.id = done.id and job.state = 'active'
      -- The queues by name, so that PostgreSQL looks only in their partitions of pg-boss's table.
      and job.name in (${queueList(queues)})
    returning job.id
  )`;

/**
 * Jobs a worker asks for with a write: the definitions' queues (standard policy only, see fetchFromQueues), in the
 * order they are served, and how many slots are free.
 */
export interface FetchRequest {
  queues: readonly string[];
  limit: number;
}

/** A job taken from pg-boss by a fetch: what the processor needs of it. */
export interface FetchedJob {
  id: string;
  name: string;
  data: JobEnvelope;
  retryCount: number;
  createdOn: Date;
}

interface WriteAndFetch {
  written: Map<string, WriteResult>;
  fetched: FetchedJob[];
}

type OutcomeRow = {
  kind: "run" | "job";
  id: string;
  status: JobRunStatus | null;
  attempts: number | null;
  name: string | null;
  data: JobEnvelope | null;
  retry_count: number | null;
  created_on: Date | null;
};

/**
 * Queue names written into a statement's text rather than passed as parameters: PostgreSQL then leaves every other
 * partition of pg-boss's table out of the plan, generic plans included (it does not prune by an array parameter). The
 * names are the job definitions' ids (lower-case letters, digits and dashes), so a worker's statements stay few.
 */
const queueList = (queues: readonly string[]) => sql.raw(queues.length ? queues.map((queue) => `'${queue.replace(/'/g, "''")}'`).join(", ") : "null");

/**
 * Takes due jobs from pg-boss in the statement that records the last ones: a worker whose slots free up writes what
 * finished and fetches their successors in one round trip, where it would otherwise make two, and on this kind of
 * machine a round trip (the write that wakes PostgreSQL, the statement's parse, plan and commit) costs more than the
 * work of a short job. The statement is pg-boss 10's own fetch (src/plans.js, fetchNextJob: due jobs in state below
 * active, by priority, creation and id, locked with SKIP LOCKED, made active with started_on and the retry count), over
 * several queues at once, taken in the order the worker serves them. Only for standard-policy queues: a singleton
 * queue's fetch can fail on pg-boss's unique index when two workers race for one key, which pg-boss's own fetch
 * absorbs and which would here undo the writes too, so those are fetched by pg-boss (EmbeddedWorker).
 */
const fetchFromQueues = (fetch: FetchRequest) => {
  const queues = queueList(fetch.queues);
  return sql`
  next as (
    select id, name from ${sql.raw(jobsSchema)}.job
    where name in (${queues}) and state < 'active' and start_after < now()
    order by array_position(array[${queues}]::text[], name), priority desc, created_on, id
    limit ${fetch.limit}::int
    for update skip locked
  ), fetched as (
    update ${sql.raw(jobsSchema)}.job as job set state = 'active', started_on = now(),
      retry_count = case when job.started_on is not null then job.retry_count + 1 else job.retry_count end
    from next where job.name in (${queues}) and job.name = next.name and job.id = next.id
    returning job.id, job.name, job.data, job.retry_count, job.created_on
  )`;
};

/** The statement's answer: the runs the write applied to and, with a fetch, the jobs fetched, in one result. */
const outcomes = (written: string | null, fetch: FetchRequest | null) => {
  const runs = written
    ? sql`select 'run' as kind, id, status, attempts, null::text as name, null::jsonb as data, null::int as retry_count, null::timestamptz as created_on
        from ${sql.raw(written)}`
    : null;
  const jobs = fetch ? sql`select 'job' as kind, id, null::text, null::int, name, data, retry_count, created_on from fetched` : null;
  return runs && jobs ? sql`${runs} union all ${jobs}` : (runs ?? jobs!);
};

function outcomesOf(rows: OutcomeRow[]): WriteAndFetch {
  const written = new Map<string, WriteResult>();
  const fetched: FetchedJob[] = [];
  for (const row of rows) {
    if (row.kind === "run") written.set(row.id, { status: row.status!, attempt: row.attempts! });
    else fetched.push({ id: row.id, name: row.name!, data: row.data!, retryCount: row.retry_count!, createdOn: new Date(row.created_on!) });
  }
  return { written, fetched };
}

/**
 * Records attempts starting (possibly finished already): one statement for any number of runs. A run that finished
 * successfully before its start was written is completed in pg-boss by the same statement, whether or not the mirror
 * took the write (the worker holds its job: it fetched it).
 */
export async function writeStarts(db: Db, entries: Array<{ start: RunStart; finish?: RunFinish }>): Promise<Map<string, WriteResult>> {
  return (await writeStartsAndFetch(db, entries, null)).written;
}

async function writeStartsAndFetch(
  db: Db,
  entries: Array<{ start: RunStart; finish?: RunFinish }>,
  fetch: FetchRequest | null,
  completing?: readonly string[],
): Promise<WriteAndFetch> {
  if (entries.length === 0) return fetch ? fetchJobs(db, fetch) : { written: new Map(), fetched: [] };
  const rows = await executePrepared<OutcomeRow>(db, sql`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(entries.map(({ start, finish }) => startRow(start, finish)))}::jsonb) as v (${startColumns})
    ), upserted as (
      insert into job_runs as run (id, job_name, priority, status, attempts, max_attempts, progress, input, payload, started_by_kind, started_by_user_id,
        started_by_label, worker_id, worker_label, driver, external_id, queued_at, started_at, finished_at, result, error, error_stack, next_attempt_at, progress_message)
      select v.id, v.job_name, v.priority, v.status, v.attempts, v.max_attempts, v.progress, v.input, v.payload, v.started_by_kind, v.started_by_user_id,
        v.started_by_label, v.worker_id, v.worker_label, v.driver, v.external_id, v.queued_at, v.started_at, v.finished_at, v.result, v.error, v.error_stack,
        v.next_attempt_at, null
      from v
      on conflict (id) do update set
        attempts = excluded.attempts, max_attempts = excluded.max_attempts, status = excluded.status,
        progress = excluded.progress, progress_message = null,
        worker_id = excluded.worker_id, worker_label = excluded.worker_label, external_id = coalesce(excluded.external_id, run.external_id),
        started_at = excluded.started_at, finished_at = excluded.finished_at, result = excluded.result, error = excluded.error,
        error_stack = excluded.error_stack, next_attempt_at = excluded.next_attempt_at
      -- A run cancelled, finished or given up meanwhile is not started again (a duplicate delivery, or a retry the
      -- driver made of a failure that cannot be retried).
      where run.status not in ('cancelled', 'succeeded', 'failed') and run.attempts < excluded.attempts
      returning run.id, run.status, run.attempts
    ), ${completeInQueue(
      sql`(select id, job_name from v where v.status = 'succeeded' and v.driver = 'embedded') as done`,
      completing ?? [...new Set(entries.filter(({ finish }) => finish?.status === "succeeded").map(({ start }) => start.definition.id))],
    )}${fetch ? sql`, ${fetchFromQueues(fetch)}` : sql``}
    ${outcomes("upserted", fetch)}`, fetch ? "job_runs_starts_and_fetch" : "job_runs_starts");
  return outcomesOf(rows);
}

/**
 * Records attempts finishing that were recorded as started; only the attempt the table knows as the latest counts.
 * The jobs of those that succeeded are completed in pg-boss by the same statement (not the others: a run refused here
 * was cancelled or taken over by another worker, whose job it is now).
 */
export async function writeFinishes(db: Db, entries: FinishEntry[]): Promise<Map<string, WriteResult>> {
  return (await writeFinishesAndFetch(db, entries, null)).written;
}

type FinishEntry = { runId: string; queue: string; driver?: "embedded" | "inngest"; attempt: number; finish: RunFinish };

async function writeFinishesAndFetch(db: Db, entries: FinishEntry[], fetch: FetchRequest | null, completing?: readonly string[]): Promise<WriteAndFetch> {
  if (entries.length === 0) return fetch ? fetchJobs(db, fetch) : { written: new Map(), fetched: [] };
  const values = entries.map(({ runId, queue, driver, attempt, finish }) => ({
    id: runId,
    job_name: queue,
    driver: driver ?? "embedded",
    attempt,
    status: finish.status,
    finished_at: finish.finishedAt.toISOString(),
    result: finish.result ?? null,
    error: finish.error,
    error_stack: finish.stack,
    next_attempt_at: finish.nextAttemptAt?.toISOString() ?? null,
  }));
  const rows = await executePrepared<OutcomeRow>(db, sql`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
        as v (id uuid, job_name text, driver text, attempt int, status text, finished_at timestamptz, result jsonb, error text,
          error_stack text, next_attempt_at timestamptz)
    ), updated as (
      update job_runs as run set
        status = case when v.status = 'retrying' and run.attempts >= run.max_attempts then 'failed' else v.status end,
        finished_at = v.finished_at, result = v.result, error = v.error, error_stack = v.error_stack,
        next_attempt_at = case when v.status = 'retrying' and run.attempts < run.max_attempts then v.next_attempt_at end,
        progress = case when v.status = 'succeeded' then 100 else run.progress end
      from v
      where run.id = v.id and run.attempts = v.attempt and run.status = 'running'
      returning run.id, run.job_name, run.status, run.attempts, run.driver
    ), ${completeInQueue(
      sql`(select id, job_name from updated where status = 'succeeded' and driver = 'embedded') as done`,
      completing ?? [...new Set(entries.map((entry) => entry.queue))],
    )}${fetch ? sql`, ${fetchFromQueues(fetch)}` : sql``}
    ${outcomes("updated", fetch)}`, fetch ? "job_runs_finishes_and_fetch" : "job_runs_finishes");
  return outcomesOf(rows);
}

/** A worker's fetch on its own, as it goes to PostgreSQL (exported for the test of its plan). */
export const fetchStatement = (fetch: FetchRequest) => sql`with ${fetchFromQueues(fetch)} ${outcomes(null, fetch)}`;

/** A fetch on its own, when there is nothing to write: an idle worker's poll, or a wake-up by a queued job. */
async function fetchJobs(db: Db, fetch: FetchRequest): Promise<WriteAndFetch> {
  const rows = await executePrepared<OutcomeRow>(db, fetchStatement(fetch), "job_queue_fetch");
  return outcomesOf(rows);
}

export async function writeLogs(db: Db, lines: LogLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.execute(sql`
    insert into job_run_logs (run_id, attempt, level, message, logged_at)
    values ${sql.join(
      lines.map((line) => sql`(${line.runId}::uuid, ${line.attempt}::int, ${line.level}, ${line.message}, ${timestamp(line.loggedAt)})`),
      sql`, `,
    )}`);
}

export async function writeProgress(db: Db, entries: Array<{ runId: string; percent: number; message: string | null }>): Promise<void> {
  if (entries.length === 0) return;
  await db.execute(sql`
    update job_runs as run set progress = v.percent, progress_message = v.message
    from (values ${sql.join(
      entries.map((entry) => sql`(${entry.runId}::uuid, ${entry.percent}::int, ${entry.message})`),
      sql`, `,
    )}) as v (id, percent, message)
    where run.id = v.id and run.status = 'running'`);
}

export interface MirrorWriterOptions {
  /** How long a start may wait, so that a short run is written once. */
  startDelayMs?: number;
  /** How long log lines and progress may wait. */
  detailDelayMs?: number;
  onError?: (error: unknown) => void;
  /**
   * Every queue whose jobs these writes may complete (a worker's): named in full in every statement, so that its text,
   * and so its prepared statement and plan, does not change with what a batch holds.
   */
  queues?: readonly string[];
  /**
   * A worker's fetch, carried by the writes: each write asks how many jobs the worker can take now and hands it those
   * it fetched (see fetchFromQueues).
   */
  fetch?: {
    request(): FetchRequest | null;
    deliver(jobs: FetchedJob[]): void;
  };
}

/**
 * Gathers a worker's writes. `start` and `finish` resolve with what the table says once the write is done, so the
 * worker completes in the queue only what the table agreed was its own.
 */
export class MirrorWriter {
  private readonly pending = new Map<string, Pending>();
  private logs: LogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Number.POSITIVE_INFINITY;
  private flushing: Promise<void> = Promise.resolve();
  private readonly startDelayMs: number;
  private readonly detailDelayMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: MirrorWriterOptions = {},
  ) {
    this.startDelayMs = options.startDelayMs ?? 25;
    this.detailDelayMs = options.detailDelayMs ?? 250;
  }

  private entry(runId: string): Pending {
    let pending = this.pending.get(runId);
    if (!pending) {
      pending = { onStarted: [], onFinished: [] };
      this.pending.set(runId, pending);
    }
    return pending;
  }

  start(start: RunStart): Promise<WriteOutcome> {
    const pending = this.entry(start.runId);
    pending.start = start;
    this.schedule(this.startDelayMs);
    return new Promise((resolve) => pending.onStarted.push(resolve));
  }

  finish(runId: string, queue: string, attempt: number, finish: RunFinish): Promise<WriteOutcome> {
    const pending = this.entry(runId);
    pending.finish = finish;
    pending.queue = queue;
    pending.attempt = attempt;
    this.schedule(0);
    return new Promise((resolve) => pending.onFinished.push(resolve));
  }

  log(line: LogLine): void {
    this.logs.push(line);
    this.schedule(this.detailDelayMs);
  }

  progress(runId: string, percent: number, message: string | null): void {
    this.entry(runId).progress = { percent, message };
    this.schedule(this.detailDelayMs);
  }

  private schedule(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (this.timer && due >= this.timerDue) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Number.POSITIVE_INFINITY;
      void this.flush();
    }, delayMs);
  }

  /** Writes everything gathered so far. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch().then(() => {})).catch((error: unknown) => this.options.onError?.(error));
    return this.flushing;
  }

  /** Writes what is gathered and fetches jobs for the free slots; resolves how many were asked for and fetched. */
  fetchNow(): Promise<{ asked: number; fetched: number }> {
    const done = this.flushing.then(() => this.writeBatch(true));
    this.flushing = done.then(() => {}).catch((error: unknown) => this.options.onError?.(error));
    return done.catch(() => ({ asked: 0, fetched: 0 }));
  }

  private async writeBatch(fetchWanted = false): Promise<{ asked: number; fetched: number }> {
    const batch = [...this.pending.entries()];
    this.pending.clear();
    const logs = this.logs;
    this.logs = [];
    const starts = batch.filter(([, pending]) => pending.start);
    const finishesAlone = batch.filter(([, pending]) => !pending.start && pending.finish);
    let outcome: { started: Map<string, WriteResult>; finished: Map<string, WriteResult> } | null = null;
    // The fetch rides on the first statement that goes out (or goes alone when asked for and nothing is to be written).
    const asked = fetchWanted || starts.length > 0 || finishesAlone.length > 0 ? this.options.fetch?.request() : null;
    const fetch = asked && asked.limit > 0 && asked.queues.length > 0 ? asked : null;
    let fetchedCount = 0;
    try {
      const [started, finished] = await Promise.all([
        writeStartsAndFetch(
          this.db,
          starts.map(([, pending]) => ({ start: pending.start!, finish: pending.finish })),
          starts.length > 0 ? fetch : null,
          this.options.queues,
        ),
        writeFinishesAndFetch(
          this.db,
          finishesAlone.map(([runId, pending]) => ({ runId, queue: pending.queue ?? "", attempt: pending.attempt ?? -1, finish: pending.finish! })),
          starts.length > 0 ? null : fetch,
          this.options.queues,
        ),
      ]);
      outcome = { started: started.written, finished: finished.written };
      const fetched = [...started.fetched, ...finished.fetched];
      fetchedCount = fetched.length;
      if (fetched.length > 0) this.options.fetch?.deliver(fetched);
      // Lines of a start the table refused belong to no attempt of its.
      const refused = new Set(starts.map(([runId]) => runId).filter((runId) => !outcome!.started.has(runId)));
      const progress = batch.filter(([, pending]) => pending.progress && !pending.finish).map(([runId, pending]) => ({ runId, ...pending.progress! }));
      await Promise.all([writeLogs(this.db, logs.filter((line) => !refused.has(line.runId))), writeProgress(this.db, progress)]);
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      // null: the write itself failed, so nobody knows; the queue's expiry settles such a run.
      for (const [runId, pending] of starts) {
        const result = outcome ? outcome.started.get(runId) : null;
        for (const resolve of pending.onStarted) resolve(result);
        for (const resolve of pending.onFinished) resolve(result);
      }
      for (const [runId, pending] of finishesAlone) {
        const result = outcome ? outcome.finished.get(runId) : null;
        for (const resolve of pending.onFinished) resolve(result);
      }
    }
    return { asked: fetch?.limit ?? 0, fetched: fetchedCount };
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
