import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

/** The queues: every job belongs to one by its priority, and a worker serves some of them. "user-tasks" holds the
 * tasks users run (Tools → Applications), apart from Granary's own work so a burst of them never delays an install. */
export const jobPriorities = ["high", "default", "low", "user-tasks"] as const;
export type JobPriority = (typeof jobPriorities)[number];

/** "retrying" is a run waiting for its next attempt after a failure. */
export const jobRunStatuses = ["queued", "running", "succeeded", "failed", "cancelled", "retrying"] as const;
export type JobRunStatus = (typeof jobRunStatuses)[number];

export const jobStarterKinds = ["user", "schedule", "system"] as const;
export type JobStarterKind = (typeof jobStarterKinds)[number];

export const jobDrivers = ["embedded", "inngest"] as const;

/**
 * Every process that runs jobs, from its start: it beats while it lives. One whose beat stops is marked lost (and its
 * running jobs are handed to the retry policy); one that stops cleanly says so.
 */
export const jobWorkers = pgTable(
  "job_workers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    host: text("host").notNull(),
    pid: integer("pid").notNull(),
    queues: text("queues", { enum: jobPriorities }).array().notNull(),
    concurrency: integer("concurrency").notNull(),
    driver: text("driver", { enum: jobDrivers }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
    stoppedAt: timestamp("stopped_at", { withTimezone: true }),
    lostAt: timestamp("lost_at", { withTimezone: true }),
    /** Set by an administrator's "restart workers"; the worker reads it with its next beat. */
    restartRequestedAt: timestamp("restart_requested_at", { withTimezone: true }),
  },
  (table) => [index("job_workers_live_idx").on(table.lastHeartbeatAt).where(sql`${table.stoppedAt} is null`)],
);

/**
 * The mirror of every job run, in both drivers: what the Task Queue shows. Its id is also the run's id in the driver
 * (the pg-boss job id, or the id in the Inngest event), so a run keeps one identity across its attempts.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: uuid("id").primaryKey(),
    jobName: text("job_name").notNull(),
    priority: text("priority", { enum: jobPriorities }).notNull(),
    status: text("status", { enum: jobRunStatuses }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    progress: integer("progress").notNull().default(0),
    progressMessage: text("progress_message"),
    /** The input as the Task Queue may show it: secret fields replaced. */
    input: jsonb("input").$type<unknown>().notNull(),
    /** What the driver was given (secret fields sealed with the server's key), so a failed run can be retried. */
    payload: jsonb("payload").$type<unknown>().notNull(),
    result: jsonb("result").$type<unknown>(),
    error: text("error"),
    errorStack: text("error_stack"),
    startedByKind: text("started_by_kind", { enum: jobStarterKinds }).notNull(),
    startedByUserId: uuid("started_by_user_id").references(() => users.id, { onDelete: "set null" }),
    startedByLabel: text("started_by_label").notNull(),
    workerId: uuid("worker_id").references(() => jobWorkers.id, { onDelete: "set null" }),
    /** host:pid of the worker that ran the latest attempt, kept after the worker's row is purged. */
    workerLabel: text("worker_label"),
    driver: text("driver", { enum: jobDrivers }).notNull(),
    /** Inngest's id of the latest run. */
    externalId: text("external_id"),
    /** Inngest driver: when the event left for the Inngest server (null while it waits to be sent). */
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
  },
  (table) => [
    index("job_runs_queue_idx").on(table.priority, table.status, table.queuedAt.desc(), table.id.desc()),
    index("job_runs_queue_all_idx").on(table.priority, table.queuedAt.desc(), table.id.desc()),
    index("job_runs_job_idx").on(table.jobName, table.queuedAt.desc()),
    index("job_runs_running_idx").on(table.workerId).where(sql`${table.status} = 'running'`),
    index("job_runs_undispatched_idx").on(table.queuedAt).where(sql`${table.driver} = 'inngest' and ${table.dispatchedAt} is null`),
  ],
);

/** What a run's logger wrote, per attempt, for the Task Queue's run detail. */
export const jobRunLogs = pgTable(
  "job_run_logs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    runId: uuid("run_id")
      .notNull()
      .references(() => jobRuns.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    level: text("level", { enum: ["debug", "info", "warn", "error"] }).notNull(),
    message: text("message").notNull(),
    loggedAt: timestamp("logged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("job_run_logs_run_idx").on(table.runId, table.id)],
);
