/** Drizzle wraps driver errors; PostgreSQL's own error (with its SQLSTATE) is the cause. */
export function uniqueViolationConstraint(error: unknown): string | null {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const candidate = current as { code?: unknown; constraint_name?: unknown };
    if (candidate.code === "23505") return typeof candidate.constraint_name === "string" ? candidate.constraint_name : "";
  }
  return null;
}
