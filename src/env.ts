/**
 * The only reader of process.env. Everything configurable is declared, validated and documented here;
 * the README's table of environment variables mirrors this file.
 */
import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((value) => value === "1" || value === "true" || value === "yes");

/**
 * How many reverse proxies stand in front of Granary, each appending to X-Forwarded-For: off (0) by default;
 * `1`/`true`/`yes` mean one, as this setting has always meant; `2`, `3`, ... a chain of that many.
 */
export const trustProxySetting = z
  .string()
  .optional()
  .transform((value, context) => {
    const setting = (value ?? "").trim().toLowerCase();
    if (["", "0", "false", "no", "off"].includes(setting)) return 0;
    if (["true", "yes", "on"].includes(setting)) return 1;
    if (/^[1-9]$/.test(setting)) return Number(setting);
    context.addIssue({ code: "custom", message: "Set TRUST_PROXY to the number of reverse proxies in front of Granary (1 to 9), or leave it unset." });
    return z.NEVER;
  });

const environmentSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** External PostgreSQL. Without it the launcher starts the embedded server and sets this for the app. */
  DATABASE_URL: optionalString,
  /** Where embedded PostgreSQL data, files and the generated secret live. */
  DATA_DIR: z.string().default(".data"),
  FILES_DIR: optionalString,
  /** The Python that makes applications' environments (`-m venv`) and builds Git sources: Debian's, with python3-venv. */
  APPLICATIONS_PYTHON: z.string().default("/usr/bin/python3"),
  /** The folder with pg_dump and pg_restore for `granary-admin backup/restore` with DATABASE_URL (default: the PATH). */
  POSTGRES_CLIENT_BIN: optionalString,
  /** Largest accepted upload, in bytes (default 1 GiB). */
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(1024 * 1024 * 1024),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOSTNAME: z.string().default("0.0.0.0"),
  /** The number of reverse proxies in front of Granary that append to X-Forwarded-For; otherwise the connection's address is used. */
  TRUST_PROXY: trustProxySetting,
  /**
   * What one slow or greedy client may hold (src/server/http-limits.ts): seconds to send a request's headers, of
   * silence in the middle of a request (a stalled upload is dropped) and of an idle keep-alive connection, seconds a
   * whole request may take (a large upload on a slow link), and connections open at once from one address (0: no cap).
   */
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  HTTP_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(5),
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().min(0).max(100_000).default(256),
  /**
   * Connections each of the two request-serving pools (the web app's and the package protocols') keeps to PostgreSQL;
   * a request beyond them waits for one. The embedded PostgreSQL allows enough for every pool (db/connection-budget.ts).
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  /** Public address of the site, used in e-mailed links. Defaults to http://localhost:PORT. */
  PUBLIC_URL: optionalString,
  /** Secret for session cookies and sign-in tickets; the launcher generates and keeps one under DATA_DIR. */
  AUTH_SECRET: optionalString,
  /** First site administrator, created on first start when no administrator exists. */
  GRANARY_ADMIN_USERNAME: z.string().default("siteadmin"),
  GRANARY_ADMIN_EMAIL: z.string().default("admin@localhost"),
  GRANARY_ADMIN_PASSWORD: optionalString,
  /** E-mail. RESEND_API_KEY wins over SMTP_HOST; with neither, mail is kept in the outbox. */
  MAIL_FROM: z.string().default("Granary <granary@localhost>"),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: optionalString,
  SMTP_HOST: optionalString,
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_USER: optionalString,
  SMTP_PASSWORD: optionalString,
  SMTP_SECURE: booleanFlag,
  /**
   * Background jobs. With INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY (or INNGEST_DEV) they go to an Inngest server,
   * which calls /api/inngest; otherwise the embedded driver runs them from PostgreSQL (pg-boss).
   */
  INNGEST_EVENT_KEY: optionalString,
  INNGEST_SIGNING_KEY: optionalString,
  INNGEST_SIGNING_KEY_FALLBACK: optionalString,
  /** "1" for a local Inngest dev server (no signatures: never in production), or the dev server's URL. */
  INNGEST_DEV: optionalString,
  /** A self-hosted Inngest server (`inngest start`), e.g. http://inngest:8288. */
  INNGEST_BASE_URL: optionalString,
  /**
   * The embedded PostgreSQL is started again when it exits (killed, crashed); after this many failed starts in a
   * row the launcher gives up and exits non-zero, for a service manager to restart the whole of Granary.
   */
  POSTGRES_RESTART_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** On SIGTERM/SIGINT, how long requests in flight (uploads included) may take to finish before they are cut off. */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /** Whether `npm start` runs a job worker inside the server (embedded driver); `npm run worker` runs one alone. */
  JOBS_WORKER: z.enum(["on", "off"]).default("on"),
  /** Which queues (priorities) this process's worker serves, comma-separated. */
  JOBS_QUEUES: z
    .string()
    .default("high,default,low,user-tasks")
    .transform((value) => value.split(",").map((queue) => queue.trim()).filter(Boolean))
    .pipe(z.array(z.enum(["high", "default", "low", "user-tasks"])).min(1, "JOBS_QUEUES needs at least one of high, default, low, user-tasks")),
  /** Jobs one worker runs at the same time. */
  JOBS_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** How often an idle worker looks for due jobs (new jobs wake it at once; retries and schedules wait for this). */
  JOBS_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  /** A worker beats this often; one silent for JOBS_LOST_AFTER_SECONDS is shown as lost and its jobs are retried. */
  JOBS_HEARTBEAT_SECONDS: z.coerce.number().min(1).max(300).default(5),
  JOBS_LOST_AFTER_SECONDS: z.coerce.number().min(3).max(3600).default(30),
  /** Finished runs (and their log lines) are deleted after this many days: succeeded or cancelled ones, and failed ones. */
  JOBS_KEEP_SUCCEEDED_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  JOBS_KEEP_FAILED_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** System log records (startup, periodic tasks, API errors, ...) are deleted after this many days. */
  LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Sign-in throttling (services/sign-in.ts), over a sliding window: failures from one address before it is
   * refused, failures for one account from one address before that address is refused for it, and failures for
   * one account from everywhere after which each check of it waits (doubling from a second, up to the maximum).
   */
  SIGN_IN_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),
  SIGN_IN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
  SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP: z.coerce.number().int().min(1).default(5),
  SIGN_IN_DELAY_AFTER_ACCOUNT_FAILURES: z.coerce.number().int().min(1).default(10),
  SIGN_IN_MAX_DELAY_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  /**
   * Requests anyone can make without an account, limited per hour (services/request-limits.ts): recovery mail of
   * each kind per account, recovery mail per address, and accounts created per address.
   */
  RECOVERY_MAILS_PER_ACCOUNT_PER_HOUR: z.coerce.number().int().min(1).default(3),
  RECOVERY_MAILS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(10),
  SIGN_UPS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /**
   * How long one LDAP operation (connecting, binding, searching) may take before it fails, so a slow directory
   * cannot hold sign-ins; the directory itself is configured in Admin → General.
   */
  LDAP_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(10),
  /**
   * The Ed25519 public key licenses are checked against (PEM, or base64 of its DER or raw 32 bytes); without it, the
   * built-in vendor key. Whoever issues their own licenses (and the tests) makes a pair with `granary license keygen`.
   */
  GRANARY_LICENSE_PUBLIC_KEY: optionalString,
  /** Set by the launcher when it started the embedded PostgreSQL (Admin → Config shows the database mode); not for people to set. */
  GRANARY_EMBEDDED_DATABASE: booleanFlag,
  /** Set by Next.js: "nodejs" or "edge". */
  NEXT_RUNTIME: optionalString,
  /** Set by Vitest for each worker; the test harness names the worker's database after it. */
  VITEST_POOL_ID: optionalString,
  CI: booleanFlag,
});

export type Environment = z.infer<typeof environmentSchema>;

function readEnvironment(): Environment {
  const parsed = environmentSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

export const env = readEnvironment();

export type JobsDriver = "embedded" | "inngest";

/** Inngest when it is configured (keys, or a dev server), otherwise the embedded driver. */
export function jobsDriver(): JobsDriver {
  return (env.INNGEST_EVENT_KEY && env.INNGEST_SIGNING_KEY) || env.INNGEST_DEV ? "inngest" : "embedded";
}

/** Settings whose values are secrets: wherever they are shown (Admin → General's effective configuration), masked. */
export const secretEnvironmentNames: ReadonlySet<keyof Environment> = new Set<keyof Environment>([
  "AUTH_SECRET",
  "GRANARY_ADMIN_PASSWORD",
  "RESEND_API_KEY",
  "SMTP_PASSWORD",
  "INNGEST_EVENT_KEY",
  "INNGEST_SIGNING_KEY",
  "INNGEST_SIGNING_KEY_FALLBACK",
]);

/** Every declared setting, its effective value, and whether the process environment set it (else its default). */
export function describeEnvironment(): { name: keyof Environment; value: unknown; setByEnvironment: boolean }[] {
  return (Object.keys(environmentSchema.shape) as (keyof Environment)[]).map((name) => ({
    name,
    value: env[name],
    setByEnvironment: (process.env[name] ?? "").trim() !== "",
  }));
}

export function filesDirectory(): string {
  return env.FILES_DIR ?? `${env.DATA_DIR}/files`;
}

/** Where applications' Python environments live: one folder per application, one environment per install inside it. */
export function applicationsDirectory(): string {
  return `${env.DATA_DIR}/applications`;
}

export function publicUrl(): string {
  return (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
}

/**
 * The launcher's first step, before anything loads React. React picks its development or production build from
 * NODE_ENV as each of its modules first loads, and Next, started inside the launcher, sets NODE_ENV only when it
 * starts. Left unset until then, the modules the launcher loads first (the protocol handler's e-mail templates) get
 * the development build of react while react-dom/server, loaded at the first render, gets the production one, and
 * every render fails with "dispatcher.getOwner is not a function". A NODE_ENV set by the caller is kept, as Next
 * keeps it.
 */
export function settleNodeEnvironment(mode: "development" | "production"): void {
  if (!process.env.NODE_ENV) Object.assign(process.env, { NODE_ENV: mode });
  env.NODE_ENV = environmentSchema.shape.NODE_ENV.parse(process.env.NODE_ENV);
}

/**
 * The launcher starts the database before the app and hands the app its address (and the generated secret)
 * through the process environment, which the app's own copy of this module reads when it loads.
 */
export function exportToEnvironment(values: Record<string, string>): void {
  Object.assign(process.env, values);
  Object.assign(env, environmentSchema.parse(process.env));
}
