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
