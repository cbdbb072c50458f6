import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, type AnyPgColumn } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import { jobRuns } from "./jobs";

export const applicationSourceKinds = ["package", "git"] as const;
export type ApplicationSourceKind = (typeof applicationSourceKinds)[number];

/** Where an application is in its life: its first install under way or failed, then installed (whatever its updates do). */
export const applicationStates = ["installing", "installed", "failed"] as const;
export type ApplicationState = (typeof applicationStates)[number];

export const applicationInstallStatuses = ["queued", "running", "succeeded", "failed"] as const;
export type ApplicationInstallStatus = (typeof applicationInstallStatuses)[number];

/**
 * Applications (seed 003): Python packages installed onto the platform, from a version of a package on this Granary
 * or from a commit of a Git repository. The source columns say what the administrator asked for; the installed
 * columns say what runs now (the current install's environment), which only a complete install whose tasks import
 * changes, so a failed update leaves them as they were.
 */
export const applications = pgTable(
  "applications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    sourceKind: text("source_kind", { enum: applicationSourceKinds }).notNull(),
    /** The owner whose PyPI index the package (for a package source) and every dependency come from. */
    indexOwner: text("index_owner").notNull(),
    packageName: text("package_name"),
    packageVersion: text("package_version"),
    gitUrl: text("git_url"),
    gitBranch: text("git_branch"),
    gitCommit: text("git_commit"),
    active: boolean("active").notNull().default(true),
    state: text("state", { enum: applicationStates }).notNull().default("installing"),
    currentInstallId: uuid("current_install_id").references((): AnyPgColumn => applicationInstalls.id, { onDelete: "set null" }),
    installedVersion: text("installed_version"),
    installedCommit: text("installed_commit"),
    environmentPath: text("environment_path"),
    installedAt: timestamp("installed_at", { withTimezone: true }),
    createdById: uuid("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("applications_name_unique").on(sql`lower(${table.name})`)],
);

/** Each attempt to install an application (its first install and every update), with pip's output. */
export const applicationInstalls = pgTable(
  "application_installs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    applicationId: uuid("application_id")
      .notNull()
      .references((): AnyPgColumn => applications.id, { onDelete: "cascade" }),
    jobRunId: uuid("job_run_id").references(() => jobRuns.id, { onDelete: "set null" }),
    status: text("status", { enum: applicationInstallStatuses }).notNull().default("queued"),
    /** What this attempt installs: a package version, or a Git commit. */
    version: text("version"),
    commit: text("git_commit"),
    environmentPath: text("environment_path").notNull(),
    /** pip's and git's output, with the install's token taken out. */
    output: text("output").notNull().default(""),
    error: text("error"),
    requestedById: uuid("requested_by_id").references(() => users.id, { onDelete: "set null" }),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (table) => [index("application_installs_application_idx").on(table.applicationId, table.queuedAt.desc())],
);

/** The tasks an install found declared (entry points in `granary.tasks`) that imported, with what they declare. */
export const applicationTasks = pgTable(
  "application_tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    installId: uuid("install_id")
      .notNull()
      .references(() => applicationInstalls.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The entry point's value, `module:attribute`. */
    entryPoint: text("entry_point").notNull(),
    description: text("description"),
    inputSchema: jsonb("input_schema"),
  },
  (table) => [uniqueIndex("application_tasks_install_name_unique").on(table.installId, table.name)],
);

/** A declared task that failed to import in an install's new environment (Admin → Import Errors). */
export const applicationImportErrors = pgTable(
  "application_import_errors",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    installId: uuid("install_id")
      .notNull()
      .references(() => applicationInstalls.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    task: text("task").notNull(),
    module: text("module").notNull(),
    errorType: text("error_type").notNull(),
    message: text("message").notNull(),
    traceback: text("traceback").notNull(),
    recordedAt: timestamp("recorded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("application_import_errors_application_idx").on(table.applicationId, table.task)],
);

/** The Python distributions in an install's environment (Admin → Python packages), as importlib.metadata lists them. */
export const installedDistributions = pgTable(
  "installed_distributions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    installId: uuid("install_id")
      .notNull()
      .references(() => applicationInstalls.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    version: text("version").notNull(),
    path: text("path").notNull(),
  },
  (table) => [index("installed_distributions_install_idx").on(table.installId, table.name), index("installed_distributions_name_idx").on(sql`lower(${table.name})`)],
);

/**
 * The transfer tokens (Admin → Actions → Get transfer token) a target has started to use, by their `jti`. A token
 * serves one transfer session: its first use starts the session, which lasts until the target says it is done or
 * the session's window passes (and never beyond the token's own expiry); after that the token is refused as used.
 */
export const applicationTransferSessions = pgTable("application_transfer_sessions", {
  tokenId: text("token_id").primaryKey(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  /** The end of the session's window: the earlier of its start plus the window and the token's expiry. */
  endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
  finishedAt: timestamp("finished_at", { withTimezone: true }),
});

// ---------------------------------------------------------------------------------------------- running tasks

/** How long a task may run and how much memory it may take, per application (its admin page edits them). */
export const applicationTaskSettings = pgTable("application_task_settings", {
  applicationId: uuid("application_id")
    .primaryKey()
    .references(() => applications.id, { onDelete: "cascade" }),
  timeoutSeconds: integer("timeout_seconds").notNull(),
  memoryLimitMebibytes: integer("memory_limit_mebibytes").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const taskRunStatuses = ["queued", "running", "succeeded", "failed", "cancelled", "timed_out"] as const;
export type TaskRunStatus = (typeof taskRunStatuses)[number];

/**
 * A user's run of an application's task (Tools → Applications): a job in the user-tasks queue that runs the task in a
 * subprocess of the environment the application ran when the run was asked for.
 */
export const taskRuns = pgTable(
  "task_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    installId: uuid("install_id").references(() => applicationInstalls.id, { onDelete: "set null" }),
    environmentPath: text("environment_path").notNull(),
    taskName: text("task_name").notNull(),
    entryPoint: text("entry_point").notNull(),
    input: jsonb("input").$type<unknown>().notNull(),
    status: text("status", { enum: taskRunStatuses }).notNull().default("queued"),
    /** 0-100, from the task's `granary_task.progress(fraction)`. */
    progress: integer("progress").notNull().default(0),
    progressMessage: text("progress_message"),
    jobRunId: uuid("job_run_id").references(() => jobRuns.id, { onDelete: "set null" }),
    /** The limits the run was started with (the application's settings at the time). */
    timeoutSeconds: integer("timeout_seconds").notNull(),
    memoryLimitMebibytes: integer("memory_limit_mebibytes").notNull(),
    error: text("error"),
    exitCode: integer("exit_code"),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (table) => [
    index("task_runs_user_idx").on(table.userId, table.queuedAt.desc(), table.id.desc()),
    index("task_runs_queued_idx").on(table.queuedAt.desc(), table.id.desc()),
    index("task_runs_application_idx").on(table.applicationId, table.taskName),
  ],
);

/** What a run printed and logged, in order: its stdout, its stderr and `granary_task.log(line)`. */
export const taskRunLogLines = pgTable(
  "task_run_log_lines",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id")
      .notNull()
      .references(() => taskRuns.id, { onDelete: "cascade" }),
    stream: text("stream", { enum: ["log", "stdout", "stderr", "granary"] }).notNull(),
    message: text("message").notNull(),
    loggedAt: timestamp("logged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("task_run_log_lines_run_idx").on(table.runId, table.id)],
);

export const taskRunObjectKinds = ["result", "file"] as const;

/**
 * What a run produced, each stored as bytes in the BlobStore under their sha256: its JSON result (`result.json`) and
 * every file it wrote to its output folder. These rows are references like package files are: the blob sweep and
 * removeBlobIfUnreferenced count both (services/blob-references.ts), so identical bytes are stored once across both.
 */
export const taskRunObjects = pgTable(
  "task_run_objects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id")
      .notNull()
      .references(() => taskRuns.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: taskRunObjectKinds }).notNull(),
    /** `result.json`, or the file's path inside the output folder. */
    name: text("name").notNull(),
    sha256: text("sha256").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("task_run_objects_run_name_unique").on(table.runId, table.kind, table.name), index("task_run_objects_sha256_idx").on(table.sha256)],
);
