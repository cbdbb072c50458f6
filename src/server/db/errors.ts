/** Drizzle wraps driver errors; PostgreSQL's own error (with its SQLSTATE) is the cause. */
export function uniqueViolationConstraint(error: unknown): string | null {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const candidate = current as { code?: unknown; constraint_name?: unknown };
    if (candidate.code === "23505") return typeof candidate.constraint_name === "string" ? candidate.constraint_name : "";
  }
  return null;
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

/** Seconds a client is asked to wait (Retry-After) while the database is away: the embedded one restarts in a few. */
export const databaseRetryAfterSeconds = 5;

export const databaseUnreachableMessage = "Granary's database is unavailable for a moment (it is restarting); try again in a few seconds.";
