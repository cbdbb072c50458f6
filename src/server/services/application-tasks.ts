/**
 * Running applications' tasks (Tools → Applications, issue 15). A signed-in user picks a task of an active
 * application and gives it an input, which is checked here against the task's JSON Schema (Ajv) before anything is
 * stored; the run is recorded and a job queued in the user-tasks queue in one transaction. The job
 * (`runTaskRun`) runs the task in a subprocess of the environment the application ran when the run was asked for
 * (applications/task-process.ts), with the application's timeout and memory limit, records its progress and log
 * lines as they come, and stores its JSON result and each file it wrote as objects with their sha256 in the
 * BlobStore. Users see their own runs; site administrators everyone's (authz/task-runs.ts).
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { and, asc, desc, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import type { z } from "zod";
import {
  defaultTaskMemoryLimitMebibytes,
  defaultTaskTimeoutSeconds,
  listTaskRunsSchema,
  startTaskRunSchema,
  taskRunFileSchema,
  taskRunIdSchema,
  taskSettingsSchema,
  type StartTaskRunInput,
  type TaskSettingsInput,
} from "@/shared/schemas/application-tasks";
import { activeApplications } from "../applications/active-applications";
import { runTaskProcess, type TaskProcessOutcome } from "../applications/task-process";
import { assertCan, canControlTaskRun, canSeeEveryTaskRun, canSeeTaskRun, visibleTaskRuns, type Actor } from "../authz";
import type { Db } from "../db";
import { applications, applicationTasks, applicationTaskSettings, jobRuns, taskRunLogLines, taskRunObjects, taskRuns, users, type TaskRunStatus } from "../db/schema";
import { AppError } from "../errors";
import { drizzleExecutor, jobSender } from "../jobs/embedded/boss";
import { enqueue } from "../jobs/enqueue";
import { notifyWorkers } from "../jobs/workers";
import { runApplicationTaskJob } from "../jobs/definitions/run-application-task";
import type { BlobStore, ReceivedBlob } from "../storage";
import { recordAudit } from "./audit";
import { lockBlob } from "./blob-references";

type TaskRunRow = typeof taskRuns.$inferSelect;

/** Log lines kept per run: a task that prints in a loop must not fill the database. */
const maxLogLinesPerRun = 5000;
/** A result JSON shown on the run's page at most this long; the stored object keeps all of it. */
const maxShownResultBytes = 256 * 1024;
/** Files a run may leave in its output folder, and bytes in all. */
const maxOutputFiles = 100;
const maxOutputBytes = 1024 * 1024 * 1024;
const finishedStatuses: readonly TaskRunStatus[] = ["succeeded", "failed", "cancelled", "timed_out"];

/** PostgreSQL's text cannot hold NUL: what a task prints or reports keeps a visible stand-in instead. */
function storable(text: string): string {
  return text.replace(/\u0000/g, "\uFFFD");
}

function runNotFound(): AppError {
  return new AppError("NOT_FOUND", "There is no such run.");
}

// ---------------------------------------------------------------------------------------------- input validation

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction | null {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch {
      return null;
    }
    if (validators.size > 500) validators.clear();
    validators.set(key, validate);
  }
  return validate;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? "" : "."}`;
}

/** Ajv's errors as form fields: a top-level property by its name (the form's field), anything else as `input`. */
export function fieldErrorsOf(errors: readonly ErrorObject[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const error of errors) {
    const pointer = error.instancePath.split("/").slice(1).map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (error.keyword === "required") pointer.push(String((error.params as { missingProperty?: string }).missingProperty ?? ""));
    const field = pointer.length === 1 && pointer[0] ? pointer[0] : "input";
    const message =
      error.keyword === "required"
        ? "This field is required."
        : error.keyword === "enum"
          ? `Choose one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((value) => JSON.stringify(value)).join(", ")}.`
          : sentence(`${pointer.length > 1 ? `${pointer.join(".")}: ` : ""}${error.message ?? "is not valid"}`);
    fields[field] ??= message;
  }
  return fields;
}

/** Checks a run's input against the task's schema (none: any JSON object), answering field errors. */
export function validateTaskInput(schema: Record<string, unknown> | null, input: unknown): void {
  const effective = schema ?? { type: "object" };
  const validate = validatorFor(effective);
  if (!validate) throw new AppError("UNPROCESSABLE_CONTENT", "This task's input schema is not a JSON Schema this server can check: ask the application's maintainers.");
  if (validate(input)) return;
  const fields = fieldErrorsOf(validate.errors ?? []);
  throw new AppError("BAD_REQUEST", `The input does not fit the task's schema: ${Object.entries(fields).map(([field, message]) => `${field}: ${message}`).join(" ")}`, fields);
}

// ---------------------------------------------------------------------------------------------- the tasks

async function settingsOf(db: Db, applicationId: string) {
  const [row] = await db.select().from(applicationTaskSettings).where(eq(applicationTaskSettings.applicationId, applicationId));
  return {
    timeoutSeconds: row?.timeoutSeconds ?? defaultTaskTimeoutSeconds,
    memoryLimitMebibytes: row?.memoryLimitMebibytes ?? defaultTaskMemoryLimitMebibytes,
  };
}

/**
 * A task as it runs on this server: an active application's task, in the version this process loaded
 * (applications/active-applications.ts), so that a new version of a running application takes over at the restart an
 * administrator chooses (Admin → Actions), on every server together. An application this process has not loaded yet
 * (installed or activated since) runs its current install's version; a deactivated one runs nowhere, at once.
 */
interface RunnableTask {
  application: { id: string; name: string; installId: string; environmentPath: string };
  task: { name: string; entryPoint: string; description: string | null; inputSchema: unknown };
}

async function runnableTasks(db: Db, applicationId?: string): Promise<RunnableTask[]> {
  const rows = await db
    .select({ application: applications, task: applicationTasks })
    .from(applicationTasks)
    .innerJoin(applications, and(eq(applications.id, applicationTasks.applicationId), eq(applications.currentInstallId, applicationTasks.installId)))
    .where(and(eq(applications.active, true), isNotNull(applications.environmentPath), applicationId ? eq(applications.id, applicationId) : undefined))
    .orderBy(asc(sql`lower(${applications.name})`), asc(applicationTasks.name));
  const loaded = (await activeApplications().current(db)).applications;
  const runnable: RunnableTask[] = [];
  const seen = new Set<string>();
  for (const { application, task } of rows) {
    if (seen.has(application.id)) continue;
    const held = loaded.get(application.name.toLowerCase());
    if (held?.id === application.id) {
      seen.add(application.id);
      const environment = { id: held.id, name: held.name, installId: held.installId, environmentPath: held.environmentPath };
      for (const heldTask of held.tasks) runnable.push({ application: environment, task: heldTask });
      continue;
    }
    runnable.push({
      application: { id: application.id, name: application.name, installId: application.currentInstallId!, environmentPath: application.environmentPath! },
      task: { name: task.name, entryPoint: task.entryPoint, description: task.description, inputSchema: task.inputSchema },
    });
  }
  return runnable;
}

/** Tools → Applications: the tasks of every active application, in the version that runs them. */
export async function listRunnableTasks(db: Db, actor: Actor) {
  assertCan(actor, "task:read");
  return (await runnableTasks(db)).map(({ application, task }) => ({
    applicationId: application.id,
    application: application.name,
    name: task.name,
    description: task.description,
    inputSchema: (task.inputSchema as Record<string, unknown> | null) ?? null,
  }));
}

async function findRunnableTask(db: Db, applicationId: string, task: string): Promise<RunnableTask | null> {
  return (await runnableTasks(db, applicationId)).find((candidate) => candidate.task.name === task) ?? null;
}

/** Runs a task: the input is checked against its schema first, and a bad one is refused with field errors, queuing nothing. */
export async function startTaskRun(db: Db, actor: Actor, rawInput: StartTaskRunInput): Promise<{ id: string; runId: string }> {
  assertCan(actor, "task:run");
  if (actor.kind !== "user") throw new AppError("UNAUTHORIZED", "Sign in to run tasks.");
  const input = startTaskRunSchema.parse(rawInput);
  const found = await findRunnableTask(db, input.applicationId, input.task);
  if (!found) throw AppError.field("task", "There is no such task among the active applications.", "NOT_FOUND");
  validateTaskInput((found.task.inputSchema as Record<string, unknown> | null) ?? null, input.input);
  const limits = await settingsOf(db, found.application.id);
  const id = randomUUID();
  const runId = randomUUID();
  await db.transaction(async (tx) => {
    await tx.insert(taskRuns).values({
      id,
      userId: actor.user.id,
      applicationId: found.application.id,
      installId: found.application.installId,
      environmentPath: found.application.environmentPath,
      taskName: found.task.name,
      entryPoint: found.task.entryPoint,
      input: input.input,
      timeoutSeconds: limits.timeoutSeconds,
      memoryLimitMebibytes: limits.memoryLimitMebibytes,
    });
    await enqueue(tx, runApplicationTaskJob, { taskRunId: id }, { runId, startedBy: { kind: "user", userId: actor.user.id, label: actor.user.username } });
    await tx.update(taskRuns).set({ jobRunId: runId }).where(eq(taskRuns.id, id));
    await recordAudit(tx, actor, {
      action: "task.run_started",
      target: { type: "task_run", id, label: `${found.application.name}: ${found.task.name}` },
      details: { application: found.application.name, task: found.task.name, runId },
    });
  });
  return { id, runId };
}

async function loadVisibleRun(db: Db, actor: Actor, id: string): Promise<TaskRunRow> {
  const [run] = await db.select().from(taskRuns).where(eq(taskRuns.id, id));
  if (!run || !canSeeTaskRun(actor, run)) throw runNotFound();
  return run;
}

/** Rerun: the same task of the same application with the same input, checked again against its current schema. */
export async function rerunTaskRun(db: Db, actor: Actor, rawInput: z.input<typeof taskRunIdSchema>) {
  assertCan(actor, "task:run");
  const { id } = taskRunIdSchema.parse(rawInput);
  const run = await loadVisibleRun(db, actor, id);
  if (!canControlTaskRun(actor, run)) throw new AppError("FORBIDDEN", "Only the user who ran it can rerun this run.");
  return startTaskRun(db, actor, { applicationId: run.applicationId, task: run.taskName, input: run.input });
}

/** Cancel: a queued run never starts; a running one's process group is killed (its job sees the run cancelled). */
export async function cancelTaskRun(db: Db, actor: Actor, rawInput: z.input<typeof taskRunIdSchema>): Promise<{ id: string; status: "cancelled" }> {
  assertCan(actor, "task:run");
  const { id } = taskRunIdSchema.parse(rawInput);
  const run = await loadVisibleRun(db, actor, id);
  if (!canControlTaskRun(actor, run)) throw new AppError("FORBIDDEN", "Only the user who ran it can cancel this run.");
  const jobWasRunning = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(taskRuns)
      .set({ status: "cancelled", finishedAt: new Date(), error: "Cancelled by its user." })
      .where(and(eq(taskRuns.id, id), inArray(taskRuns.status, ["queued", "running"])))
      .returning({ id: taskRuns.id });
    if (!updated) throw new AppError("PRECONDITION_FAILED", `Only a queued or running run can be cancelled; this one is ${run.status.replace("_", " ")}.`);
    let running = false;
    if (run.jobRunId) {
      const [job] = await tx
        .update(jobRuns)
        .set({ status: "cancelled", finishedAt: new Date(), nextAttemptAt: null })
        .where(and(eq(jobRuns.id, run.jobRunId), inArray(jobRuns.status, ["queued", "retrying", "running"])))
        .returning({ driver: jobRuns.driver, jobName: jobRuns.jobName });
      if (job?.driver === "embedded") await jobSender().cancel(job.jobName, run.jobRunId, { db: drizzleExecutor(tx) });
      running = Boolean(job) && run.status === "running";
    }
    await recordAudit(tx, actor, { action: "task.run_cancelled", target: { type: "task_run", id, label: run.taskName }, details: { status: run.status } });
    return running;
  });
  // The worker running it aborts the job at once; the job also sees the run's status change and kills the process.
  if (jobWasRunning && run.jobRunId) await notifyWorkers(db, { kind: "cancel", runId: run.jobRunId });
  return { id, status: "cancelled" };
}

function encodeCursor(time: Date, id: string): string {
  return Buffer.from(JSON.stringify([time.toISOString(), id])).toString("base64url");
}

function decodeCursor(cursor: string): { time: Date; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof time !== "string" || Number.isNaN(Date.parse(time)) || typeof id !== "string" || !/^[0-9a-f-]{36}$/.test(id)) throw new Error();
    return { time: new Date(time), id };
  } catch {
    throw AppError.field("cursor", "This page no longer exists: start from the first page.");
  }
}

/** The actor's runs, newest first; everyone's for site administrators who ask for them. */
export async function listTaskRuns(db: Db, actor: Actor, rawInput: z.input<typeof listTaskRunsSchema> = {}) {
  assertCan(actor, "task:read");
  const input = listTaskRunsSchema.parse(rawInput);
  if (input.everyone && !canSeeEveryTaskRun(actor)) throw new AppError("FORBIDDEN", "Only site administrators see every user's runs.");
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const rows = await db
    .select({
      id: taskRuns.id,
      application: applications.name,
      applicationId: taskRuns.applicationId,
      task: taskRuns.taskName,
      status: taskRuns.status,
      progress: taskRuns.progress,
      user: users.username,
      queuedAt: taskRuns.queuedAt,
      startedAt: taskRuns.startedAt,
      finishedAt: taskRuns.finishedAt,
      error: taskRuns.error,
    })
    .from(taskRuns)
    .innerJoin(applications, eq(applications.id, taskRuns.applicationId))
    .innerJoin(users, eq(users.id, taskRuns.userId))
    .where(
      and(
        visibleTaskRuns(actor, input.everyone),
        after ? or(lt(taskRuns.queuedAt, after.time), and(eq(taskRuns.queuedAt, after.time), lt(taskRuns.id, after.id))) : undefined,
      ),
    )
    .orderBy(desc(taskRuns.queuedAt), desc(taskRuns.id))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last.queuedAt, last.id) : null };
}

/** A run's page: its status and progress, its log lines, its result JSON and the files it wrote. */
export async function getTaskRun(db: Db, blobs: BlobStore, actor: Actor, rawInput: z.input<typeof taskRunIdSchema>) {
  assertCan(actor, "task:read");
  const { id } = taskRunIdSchema.parse(rawInput);
  const run = await loadVisibleRun(db, actor, id);
  const [owner] = await db.select({ username: users.username }).from(users).where(eq(users.id, run.userId));
  const [application] = await db.select({ name: applications.name }).from(applications).where(eq(applications.id, run.applicationId));
  const lines = await db
    .select({ id: taskRunLogLines.id, stream: taskRunLogLines.stream, message: taskRunLogLines.message, loggedAt: taskRunLogLines.loggedAt })
    .from(taskRunLogLines)
    .where(eq(taskRunLogLines.runId, id))
    .orderBy(asc(taskRunLogLines.id))
    .limit(maxLogLinesPerRun + 1);
  const objects = await db.select().from(taskRunObjects).where(eq(taskRunObjects.runId, id)).orderBy(asc(taskRunObjects.kind), asc(taskRunObjects.name));
  const resultObject = objects.find((object) => object.kind === "result");
  let result: { json: string; truncated: boolean } | null = null;
  if (resultObject) {
    const bytes = await readStoredPrefix(blobs, resultObject.sha256, maxShownResultBytes);
    result = bytes ? { json: bytes.toString("utf8"), truncated: resultObject.size > maxShownResultBytes } : null;
  }
  return {
    run: {
      id: run.id,
      application: application?.name ?? "(deleted)",
      applicationId: run.applicationId,
      task: run.taskName,
      user: owner?.username ?? "(deleted)",
      input: run.input,
      status: run.status,
      progress: run.progress,
      progressMessage: run.progressMessage,
      timeoutSeconds: run.timeoutSeconds,
      memoryLimitMebibytes: run.memoryLimitMebibytes,
      error: run.error,
      exitCode: run.exitCode,
      queuedAt: run.queuedAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      finished: finishedStatuses.includes(run.status),
      mine: canControlTaskRun(actor, run),
    },
    logLines: lines,
    result,
    objects: objects.map((object) => ({ id: object.id, kind: object.kind, name: object.name, sha256: object.sha256, size: object.size })),
  };
}

async function readStoredPrefix(blobs: BlobStore, sha256: string, limit: number): Promise<Buffer | null> {
  let file: fsp.FileHandle;
  try {
    file = await fsp.open(blobs.blobPath(sha256), "r");
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(limit);
    const { bytesRead } = await file.read(buffer, 0, limit, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** A run's stored object for download, checked as the run's page is: to anyone else it does not exist. */
export async function getTaskRunObject(db: Db, actor: Actor, rawInput: z.input<typeof taskRunFileSchema>) {
  assertCan(actor, "task:read");
  const parsed = taskRunFileSchema.safeParse(rawInput);
  if (!parsed.success) throw runNotFound();
  const run = await loadVisibleRun(db, actor, parsed.data.runId);
  const [object] = await db
    .select()
    .from(taskRunObjects)
    .where(and(eq(taskRunObjects.id, parsed.data.objectId), eq(taskRunObjects.runId, run.id)));
  if (!object) throw new AppError("NOT_FOUND", "There is no such file.");
  return object;
}

// ---------------------------------------------------------------------------------------------- settings

export async function getTaskSettings(db: Db, actor: Actor, applicationId: string) {
  assertCan(actor, "admin:applications:read");
  return settingsOf(db, applicationId);
}

export async function updateTaskSettings(db: Db, actor: Actor, rawInput: TaskSettingsInput) {
  assertCan(actor, "admin:applications:update");
  const input = taskSettingsSchema.parse(rawInput);
  const [application] = await db.select({ id: applications.id, name: applications.name }).from(applications).where(eq(applications.id, input.applicationId));
  if (!application) throw new AppError("NOT_FOUND", "There is no such application.");
  const before = await settingsOf(db, application.id);
  await db.transaction(async (tx) => {
    await tx
      .insert(applicationTaskSettings)
      .values({ applicationId: application.id, timeoutSeconds: input.timeoutSeconds, memoryLimitMebibytes: input.memoryLimitMebibytes })
      .onConflictDoUpdate({
        target: applicationTaskSettings.applicationId,
        set: { timeoutSeconds: input.timeoutSeconds, memoryLimitMebibytes: input.memoryLimitMebibytes, updatedAt: new Date() },
      });
    await recordAudit(tx, actor, {
      action: "admin.application_task_settings_changed",
      target: { type: "application", id: application.id, label: application.name },
      details: { from: before, to: { timeoutSeconds: input.timeoutSeconds, memoryLimitMebibytes: input.memoryLimitMebibytes } },
    });
  });
  return { applicationId: application.id, timeoutSeconds: input.timeoutSeconds, memoryLimitMebibytes: input.memoryLimitMebibytes };
}

// ---------------------------------------------------------------------------------------------- the job's body

export interface TaskRunContext {
  blobs: BlobStore;
  signal?: AbortSignal;
  progress?(percent: number, message?: string): void;
}

export class TaskRunFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskRunFailedError";
  }
}

/** How often progress and log lines are written while the task runs, and the run's status is looked at (cancel). */
const flushIntervalMilliseconds = 250;

/**
 * The job's body: runs the task to its end and records what came of it. A run that is not queued any more (done,
 * cancelled, or started by an attempt that died) is not run again: a task is not assumed safe to run twice.
 */
export async function runTaskRun(db: Db, taskRunId: string, context: TaskRunContext): Promise<{ status: TaskRunStatus }> {
  const [claimed] = await db
    .update(taskRuns)
    .set({ status: "running", startedAt: new Date() })
    .where(and(eq(taskRuns.id, taskRunId), eq(taskRuns.status, "queued")))
    .returning();
  if (!claimed) {
    const [run] = await db.select({ status: taskRuns.status }).from(taskRuns).where(eq(taskRuns.id, taskRunId));
    if (run?.status === "running") {
      await finishRun(db, taskRunId, { status: "failed", error: "The worker running this task stopped before it finished; run it again." });
      throw new TaskRunFailedError("The worker running this task stopped before it finished.");
    }
    return { status: run?.status ?? "cancelled" };
  }
  const run = claimed;
  const workFolder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-task-"));
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (context.signal?.aborted) onAbort();
  context.signal?.addEventListener("abort", onAbort, { once: true });

  let pendingLines: { stream: "log" | "stdout" | "stderr" | "granary"; message: string; loggedAt: Date }[] = [];
  let linesWritten = 0;
  let pendingProgress: { percent: number; message: string | null } | null = null;
  let writing = Promise.resolve();
  const flush = () => {
    writing = writing.then(async () => {
      const lines = pendingLines;
      pendingLines = [];
      const progress = pendingProgress;
      pendingProgress = null;
      if (lines.length) await db.insert(taskRunLogLines).values(lines.map((line) => ({ runId: run.id, ...line })));
      const [current] = progress
        ? await db
            .update(taskRuns)
            .set({ progress: progress.percent, progressMessage: progress.message })
            .where(eq(taskRuns.id, run.id))
            .returning({ status: taskRuns.status })
        : await db.select({ status: taskRuns.status }).from(taskRuns).where(eq(taskRuns.id, run.id));
      // Cancelled by its user: stop the process even where no worker notification arrives (the Inngest driver).
      if (current?.status === "cancelled") controller.abort();
    });
    writing = writing.catch(() => {});
    return writing;
  };
  const addLine = (stream: "log" | "stdout" | "stderr" | "granary", message: string) => {
    linesWritten += 1;
    if (linesWritten > maxLogLinesPerRun + 1) return;
    pendingLines.push({
      stream: linesWritten > maxLogLinesPerRun ? "granary" : stream,
      message: linesWritten > maxLogLinesPerRun ? `More than ${maxLogLinesPerRun} lines: the rest of this run's log is dropped.` : storable(message),
      loggedAt: new Date(),
    });
  };
  const timer = setInterval(() => void flush(), flushIntervalMilliseconds);

  let outcome: TaskProcessOutcome;
  try {
    context.progress?.(1, `Running ${run.taskName}`);
    outcome = await runTaskProcess({
      environmentPath: run.environmentPath,
      entryPoint: run.entryPoint,
      input: run.input,
      workFolder,
      timeoutSeconds: run.timeoutSeconds,
      memoryLimitMebibytes: run.memoryLimitMebibytes,
      signal: controller.signal,
      onProgress: (fraction, message) => {
        const percent = Math.round(fraction * 100);
        pendingProgress = { percent, message: message === null ? null : storable(message).slice(0, 500) };
        context.progress?.(percent, message ?? undefined);
      },
      onLog: addLine,
    });
  } finally {
    clearInterval(timer);
    context.signal?.removeEventListener("abort", onAbort);
  }
  try {
    await flush();
    if (outcome.status === "succeeded") {
      try {
        await storeResults(db, context.blobs, run, outcome.result, outcome.outputFolder);
      } catch (error) {
        const message = error instanceof AppError || error instanceof TaskRunFailedError ? error.message : `Storing the results failed: ${String(error)}`;
        outcome = { status: "failed", error: message, traceback: null, exitCode: outcome.exitCode, outputFolder: outcome.outputFolder };
      }
    }
    if (outcome.status === "failed" && outcome.traceback) addLine("granary", outcome.traceback.trimEnd());
    if (outcome.status === "timed_out") addLine("granary", `Killed after its timeout of ${run.timeoutSeconds} s.`);
    await flush();
    const error =
      outcome.status === "failed"
        ? outcome.error
        : outcome.status === "timed_out"
          ? `The task did not finish within its timeout of ${run.timeoutSeconds} s and was killed.`
          : outcome.status === "cancelled"
            ? // Stopped without its user cancelling it (whose cancel already marked the run): the worker stopped or restarted.
              "The worker running this task stopped (a restart or shutdown) before it finished; run it again."
            : null;
    await finishRun(db, run.id, {
      status: outcome.status === "cancelled" ? "failed" : outcome.status,
      error,
      exitCode: outcome.status === "succeeded" || outcome.status === "failed" ? outcome.exitCode : null,
      ...(outcome.status === "succeeded" ? { progress: 100 } : {}),
    });
    const [finished] = await db.select({ status: taskRuns.status, error: taskRuns.error }).from(taskRuns).where(eq(taskRuns.id, run.id));
    const status: TaskRunStatus = finished?.status ?? "cancelled";
    if (status === "failed" || status === "timed_out") throw new TaskRunFailedError(finished?.error ?? "The task failed.");
    return { status };
  } finally {
    fs.rmSync(workFolder, { recursive: true, force: true });
  }
}

async function finishRun(db: Db, id: string, outcome: { status: TaskRunStatus; error?: string | null; exitCode?: number | null; progress?: number }) {
  // A run its user cancelled stays cancelled, whatever its process did meanwhile.
  await db
    .update(taskRuns)
    .set({ status: outcome.status, error: outcome.error ? storable(outcome.error).slice(0, 4000) : null, exitCode: outcome.exitCode ?? null, finishedAt: new Date(), ...(outcome.progress !== undefined ? { progress: outcome.progress } : {}) })
    .where(and(eq(taskRuns.id, id), inArray(taskRuns.status, ["queued", "running"])));
}

/** The output folder's regular files (never what a symbolic link points at), with their paths inside it. */
async function outputFiles(folder: string): Promise<{ name: string; absolute: string; size: number }[]> {
  const found: { name: string; absolute: string; size: number }[] = [];
  const walk = async (directory: string) => {
    for (const entry of await fsp.readdir(directory, { withFileTypes: true })) {
      const absolute = path.join(directory, entry.name);
      if (entry.isDirectory()) await walk(absolute);
      else if (entry.isFile()) {
        if (found.length >= maxOutputFiles) throw new TaskRunFailedError(`The task left more than ${maxOutputFiles} files in its output folder.`);
        found.push({ name: path.relative(folder, absolute).split(path.sep).join("/"), absolute, size: (await fsp.lstat(absolute)).size });
      }
    }
  };
  await walk(folder);
  if (found.reduce((sum, file) => sum + file.size, 0) > maxOutputBytes) throw new TaskRunFailedError("The task's output files are larger than 1 GiB together.");
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Stores the result JSON and the output files in the BlobStore and their rows, as publishing does: each digest's lock
 * is held from placing the bytes until the rows commit, so the sweep never takes bytes a row is about to refer to.
 */
async function storeResults(db: Db, blobs: BlobStore, run: TaskRunRow, result: unknown, outputFolder: string) {
  const files = await outputFiles(outputFolder);
  const received: { kind: "result" | "file"; name: string; blob: ReceivedBlob }[] = [];
  try {
    received.push({ kind: "result" as const, name: "result.json", blob: await blobs.receive(Readable.from([Buffer.from(JSON.stringify(result ?? null))]), maxOutputBytes) });
    for (const file of files) received.push({ kind: "file" as const, name: file.name, blob: await blobs.receive(fs.createReadStream(file.absolute), maxOutputBytes) });
    await db.transaction(async (tx) => {
      await tx.insert(taskRunObjects).values(received.map((item) => ({ runId: run.id, kind: item.kind, name: item.name, sha256: item.blob.sha256, size: item.blob.size })));
      for (const digest of [...new Set(received.map((item) => item.blob.sha256))].sort()) await lockBlob(tx, digest);
      for (const item of received) await blobs.commit(item.blob);
    });
  } catch (error) {
    for (const item of received) await blobs.discard(item.blob);
    throw error;
  }
}
