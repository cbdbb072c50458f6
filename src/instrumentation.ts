import type { Instrumentation } from "next";
import { env } from "@/env";
import { noteIfDatabaseBusy, noteIfDatabaseUnreachable } from "@/server/db/availability";

/**
 * Unexpected errors in pages and route handlers are recorded for the admin panel's Exceptions view. A database
 * that cannot be reached, or has no connection left, is not one: the process hears of it at once, before Next writes
 * its 500, which the launcher then answers as a 503 (unavailable.ts), and until an absent database is back pages are
 * answered 503 before Next.
 */
export const onRequestError: Instrumentation.onRequestError = async (error, request) => {
  if (env.NEXT_RUNTIME !== "nodejs") return;
  if (noteIfDatabaseUnreachable(error) || noteIfDatabaseBusy(error)) return;
  const [{ getDb }, { recordException }] = await Promise.all([import("@/server/db"), import("@/server/services/exceptions")]);
  await recordException(getDb(), error, { route: request.path, method: request.method, headers: request.headers });
};
