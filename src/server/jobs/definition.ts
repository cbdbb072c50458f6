/**
 * What a job is: defined once, run by either driver. A definition names the job, types its input with a zod schema,
 * places it in a queue (its priority), says how failures are retried and how long one attempt may take, and gives
 * the body, written over the dependencies it is handed so the same body runs under pg-boss, under Inngest and in
 * tests. Bodies must be safe to run twice: a worker can die after the work and before recording it.
 */
import type { z } from "zod";
import type { Db } from "../db";
import type { JobPriority, JobStarterKind } from "../db/schema";
import type { MailTransport } from "../email/transports";
import type { BlobStore } from "../storage";

export type { JobPriority } from "../db/schema";

export type JobLogLevel = "debug" | "info" | "warn" | "error";

export interface JobLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a job body may use; nothing else reaches it. */
export interface JobDependencies {
  db: Db;
  mailer: MailTransport;
  blobs: BlobStore;
}

export interface JobContext extends JobDependencies {
  log: JobLogger;
  /** Reports how far the run is (0-100) and what it does now; shown in the Task Queue. */
  progress(percent: number, message?: string): void;
  runId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the attempt times out or the run is cancelled: long bodies should check it. */
  signal: AbortSignal;
}

export interface RetryPolicy {
  /** Attempts after the first one. */
  limit: number;
  /** Seconds before the first retry. */
  delaySeconds: number;
  /** Doubles the delay on each further retry (with jitter). */
  backoff: boolean;
}

export interface JobSchedule {
  /** Five-field cron expression, in UTC. */
  cron: string;
}

export interface JobDefinition<Schema extends z.ZodType = z.ZodType, Result = unknown> {
  id: string;
  description: string;
  input: Schema;
  priority: JobPriority;
  retries: RetryPolicy;
  timeoutSeconds: number;
  /** Runs with the same key never overlap (e.g. one install per application at a time). */
  concurrencyKey?: (input: z.output<Schema>) => string;
  /** Runs on this schedule, once across all servers, with an empty input. */
  schedule?: JobSchedule;
  /**
   * Top-level input fields that hold secrets: sealed with the server's key wherever the input is stored (the queue,
   * the Inngest server, the mirror's retry payload) and shown redacted in the Task Queue.
   */
  secretFields?: readonly (keyof z.output<Schema> & string)[];
  run(input: z.output<Schema>, context: JobContext): Promise<Result>;
}

export type AnyJobDefinition = JobDefinition<z.ZodType, unknown>;

/** Identity for typing: `defineJob({...})` infers the input type from the schema, so `enqueue` is checked by it. */
export function defineJob<Schema extends z.ZodType, Result>(definition: JobDefinition<Schema, Result>): JobDefinition<Schema, Result> {
  if (!/^[a-z][a-z0-9-]{1,60}$/.test(definition.id)) throw new Error(`Job id "${definition.id}" must be lower-case letters, digits and dashes.`);
  return definition;
}

/** Who started a run: an account (an administrator's "run now", a user's action), a schedule, or Granary itself. */
export interface JobStarter {
  kind: JobStarterKind;
  userId?: string | null;
  label: string;
}

export const systemStarter: JobStarter = { kind: "system", label: "system" };
export const scheduleStarter: JobStarter = { kind: "schedule", label: "schedule" };

export function maxAttemptsOf(definition: Pick<AnyJobDefinition, "retries">): number {
  return definition.retries.limit + 1;
}

/** The delay before retry number `retry` (1 for the first retry), as pg-boss computes it, without its jitter. */
export function retryDelaySeconds(policy: RetryPolicy, retry: number): number {
  return policy.backoff ? policy.delaySeconds * 2 ** (retry - 1) : policy.delaySeconds;
}
