import type { Instrumentation } from "next";
import { env } from "@/env";

/**
 * Unexpected errors in pages and route handlers are recorded for the admin panel's Exceptions view. A database
 * that cannot be reached is not one: the process hears of it once, and the launcher answers 503 until it is back.
 */
export const onRequestError: Instrumentation.onRequestError = async (error, request) => {
  if (env.NEXT_RUNTIME !== "nodejs") return;
  const { noteIfDatabaseUnreachable } = await import("@/server/db/availability");
  if (noteIfDatabaseUnreachable(error)) return;
  const [{ getDb }, { recordException }] = await Promise.all([import("@/server/db"), import("@/server/services/exceptions")]);
  await recordException(getDb(), error, { route: request.path, method: request.method, headers: request.headers });
};
