/** Drizzle wraps driver errors; PostgreSQL's own error (with its SQLSTATE) is the cause. */
export function uniqueViolationConstraint(error: unknown): string | null {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const candidate = current as { code?: unknown; constraint_name?: unknown };
    if (candidate.code === "23505") return typeof candidate.constraint_name === "string" ? candidate.constraint_name : "";
  }
  return null;
}

function sqlStateOf(error: unknown, matches: (code: string) => boolean): boolean {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && matches(code)) return true;
  }
  return false;
}

/**
 * Errors that say the database cannot be reached at all (stopped, restarting, the connection cut), as opposed to
 * a query it refused. Requests that meet one answer 503 with Retry-After rather than 500: nobody's mistake, and
 * not an exception worth a row each.
 */
const unreachableSystemCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** postgres.js's own codes for a connection that failed, ended or timed out while connecting. */
const unreachableDriverCodes = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);
/**
 * SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or recovering),
 * 08xxx connection exceptions.
 */
const unreachableSqlStates = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006"]);

export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 10; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && (unreachableSystemCodes.has(code) || unreachableDriverCodes.has(code) || unreachableSqlStates.has(code))) return true;
    // A connection refused for a whole address list (localhost resolving to ::1 and 127.0.0.1) comes as one.
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnreachable(inner))) return true;
  }
  return false;
}

/**
 * PostgreSQL is out of disk: 53100 disk_full ("could not extend file"), or the class's generic 53000
 * insufficient_resources. Not its other members: 53200 is memory, 53300 connections (databaseBusy).
 */
export function isDatabaseFull(error: unknown): boolean {
  return sqlStateOf(error, (code) => code === "53100" || code === "53000");
}

/** 53300 too_many_connections ("sorry, too many clients already"): the server is busy, not broken. */
export function isDatabaseBusy(error: unknown): boolean {
  return sqlStateOf(error, (code) => code === "53300");
}

/** Seconds a client is asked to wait (Retry-After) while the database is away: the embedded one restarts in a few. */
export const databaseRetryAfterSeconds = 5;

export const databaseUnreachableMessage = "Granary's database is unavailable for a moment (it is restarting); try again in a few seconds.";

/** For a database out of connections (isDatabaseBusy), asked to come back after databaseRetryAfterSeconds too. */
export const databaseBusyMessage = "Granary is busy: try again in a few seconds.";
