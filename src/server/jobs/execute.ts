/**
 * One attempt of a run, the same under both drivers: open the sealed input, validate it, run the body with a logger
 * and a progress callback that the caller records, and stop waiting when the attempt's time is up.
 */
import { ZodError } from "zod";
import { logTo } from "../logging/logger";
import type { AnyJobDefinition, JobDependencies, JobLogLevel, JobStarter } from "./definition";
import { unsealFields } from "./sealing";

/** What a driver stores for a run: the input with its secret fields sealed, and who started it. */
export interface JobEnvelope {
  input: unknown;
  startedBy: JobStarter;
  concurrencyKey?: string | null;
  /** Inngest events carry the mirror's run id; pg-boss jobs have it as their own id. */
  runId?: string;
  /** Attempts the run used before an administrator retried it: attempt numbers go on from there. */
  priorAttempts?: number;
}

export interface LogLine {
  runId: string;
  attempt: number;
  level: JobLogLevel;
  message: string;
  loggedAt: Date;
}

export interface AttemptObserver {
  log(line: LogLine): void;
  progress(runId: string, percent: number, message: string | null): void;
}

export type AttemptOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: string; stack: string | null; retriable: boolean; cancelled: boolean };

/** Logs of one attempt past this many lines are dropped (a last line says so): a looping job must not fill the disk. */
const maxLogLinesPerAttempt = 1000;
const maxLogMessageLength = 4000;

export class JobTimeoutError extends Error {
  constructor(seconds: number) {
    super(`The attempt did not finish within its ${seconds} s timeout.`);
    this.name = "JobTimeoutError";
  }
}

export class JobCancelledError extends Error {
  constructor() {
    super("The run was cancelled.");
    this.name = "JobCancelledError";
  }
}

/** A result as the jobs table keeps it: JSON, with the database's bigints as numbers (or text past 2^53). */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) =>
      typeof item === "bigint" ? (item <= BigInt(Number.MAX_SAFE_INTEGER) && item >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(item) : item.toString()) : item,
    ),
  ) as unknown;
}

type Attempt = { runId: string; number: number; dependencies: JobDependencies; observer: AttemptObserver; cancel?: AbortSignal };

/** Runs the attempt; a periodic task's attempt also leaves a record in the System logs' "periodic tasks" tab. */
export async function runAttempt(definition: AnyJobDefinition, envelope: JobEnvelope, attempt: Attempt): Promise<AttemptOutcome> {
  const startedAt = Date.now();
  const outcome = await runOneAttempt(definition, envelope, attempt);
  if (definition.schedule) {
    const context = { task: definition.id, runId: attempt.runId, attempt: attempt.number, startedBy: envelope.startedBy.label, milliseconds: Date.now() - startedAt };
    await logTo(
      attempt.dependencies.db,
      outcome.ok
        ? { level: "info", category: "periodic_tasks", message: `${definition.id} succeeded.`, context: { ...context, result: outcome.result } }
        : { level: outcome.cancelled ? "warn" : "error", category: "periodic_tasks", message: `${definition.id} ${outcome.cancelled ? "was cancelled" : "failed"}: ${outcome.error}`, context },
    );
  }
  return outcome;
}

async function runOneAttempt(definition: AnyJobDefinition, envelope: JobEnvelope, attempt: Attempt): Promise<AttemptOutcome> {
  const controller = new AbortController();
  // A reason given with the abort (a worker handing the attempt back) is the attempt's error; none means cancelled.
  const onCancel = () => controller.abort(attempt.cancel?.reason instanceof JobCancelledError || !(attempt.cancel?.reason instanceof Error) ? new JobCancelledError() : attempt.cancel.reason);
  if (attempt.cancel?.aborted) onCancel();
  attempt.cancel?.addEventListener("abort", onCancel, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let lines = 0;
  const write = (level: JobLogLevel) => (message: string) => {
    lines += 1;
    if (lines > maxLogLinesPerAttempt + 1) return;
    const text = lines > maxLogLinesPerAttempt ? `More than ${maxLogLinesPerAttempt} lines: the rest of this attempt's log is dropped.` : String(message);
    attempt.observer.log({ runId: attempt.runId, attempt: attempt.number, level, message: text.slice(0, maxLogMessageLength), loggedAt: new Date() });
  };
  try {
    let input: unknown;
    try {
      input = definition.input.parse(unsealFields(envelope.input, definition.secretFields));
    } catch (error) {
      // The same input fails the same way every time: no retry.
      const message = error instanceof ZodError ? `Invalid input: ${error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ")}` : String(error);
      return { ok: false, error: message, stack: null, retriable: false, cancelled: false };
    }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new JobTimeoutError(definition.timeoutSeconds);
        controller.abort(error);
        reject(error);
      }, definition.timeoutSeconds * 1000);
    });
    const cancelled = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason as Error), { once: true });
    });
    const body = definition.run(input, {
      ...attempt.dependencies,
      log: { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") },
      progress: (percent, message) =>
        attempt.observer.progress(attempt.runId, Math.max(0, Math.min(100, Math.round(percent))), message?.slice(0, 500) ?? null),
      runId: attempt.runId,
      attempt: attempt.number,
      signal: controller.signal,
    });
    // A body that ignores the signal keeps running after a timeout, but the attempt is over and recorded as failed.
    body.catch(() => {});
    const result = await Promise.race([body, timedOut, cancelled]);
    return { ok: true, result: toJson(result) };
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const wasCancelled = failure instanceof JobCancelledError;
    return { ok: false, error: failure.message || failure.name, stack: failure.stack ?? null, retriable: !wasCancelled, cancelled: wasCancelled };
  } finally {
    clearTimeout(timer);
    attempt.cancel?.removeEventListener("abort", onCancel);
  }
}
