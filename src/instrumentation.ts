import type { Instrumentation } from "next";
import { env } from "@/env";

/** Unexpected errors in pages and route handlers are recorded for the admin panel's Exceptions view. */
export const onRequestError: Instrumentation.onRequestError = async (error, request) => {
  if (env.NEXT_RUNTIME !== "nodejs") return;
  const [{ getDb }, { recordException }] = await Promise.all([import("@/server/db"), import("@/server/services/exceptions")]);
  await recordException(getDb(), error, { route: request.path, method: request.method, headers: request.headers });
};
