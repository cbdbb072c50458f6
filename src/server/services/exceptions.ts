import type { Db } from "../db";
import { exceptions } from "../db/schema";

/** Records an unexpected error for the admin panel. Never throws: reporting must not make things worse. */
export async function recordException(
  db: Db,
  error: unknown,
  context: { route?: string | null; method?: string | null; userId?: string | null },
): Promise<string | null> {
  const asError = error instanceof Error ? error : new Error(String(error));
  try {
    const [row] = await db
      .insert(exceptions)
      .values({
        message: asError.message.slice(0, 2000) || asError.name,
        stack: asError.stack?.slice(0, 20_000) ?? null,
        route: context.route?.slice(0, 500) ?? null,
        method: context.method ?? null,
        userId: context.userId ?? null,
      })
      .returning({ id: exceptions.id });
    return row?.id ?? null;
  } catch (reportingError) {
    console.error("Could not record an exception:", reportingError, "original error:", asError);
    return null;
  }
}
