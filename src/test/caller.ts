/**
 * Calls the tRPC router in-process as a given actor, the way the route handler does, with a recorder in place
 * of the session cookies. Errors are read back in the shape the browser receives (after the error formatter).
 */
import { getTRPCErrorShape, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { appRouter, createCaller } from "@/server/api/root";
import type { SessionControl } from "@/server/api/trpc";
import type { Actor } from "@/server/authz";
import type { Db } from "@/server/db/client";
import { AppError } from "@/server/errors";
import type { BrowserSession } from "@/server/services/account-records";
import { testDatabase } from "./db";

/** Records what the router asked of the session cookie: which sessions it started, and how often it ended one. */
export class SessionRecorder implements SessionControl {
  readonly started: BrowserSession[] = [];
  endedCount = 0;

  async start(session: BrowserSession): Promise<void> {
    this.started.push(session);
  }

  async end(): Promise<void> {
    this.endedCount += 1;
  }

  /** The latest session started; fails the test when none was. */
  lastGrant(): BrowserSession {
    const grant = this.started.at(-1);
    if (!grant) throw new Error("No session was started.");
    return grant;
  }
}

export type Caller = ReturnType<typeof createCaller>;

export function callerFor(actor: Actor, options: { sessions?: SessionControl; db?: Db } = {}): Caller {
  return createCaller({ db: options.db ?? testDatabase(), actor, sessions: options.sessions ?? new SessionRecorder() });
}

export interface TRPCFailure {
  code: TRPC_ERROR_CODE_KEY;
  message: string;
  fieldErrors: Record<string, string> | undefined;
  error: TRPCError;
}

/** The error a call rejected with, as the client would see it; fails the test when the call succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<TRPCFailure> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const shape = getTRPCErrorShape({
      config: appRouter._def._config,
      error,
      type: "unknown",
      path: undefined,
      input: undefined,
      ctx: undefined,
    });
    return { code: error.code, message: shape.message, fieldErrors: shape.data.fieldErrors, error };
  }
  throw new Error(`Expected the call to fail, but it returned ${JSON.stringify(outcome)}.`);
}

/** The message of the UNAUTHORIZED AppError a service call fails with; anything else fails the test. */
export async function unauthorizedMessage(call: unknown): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") return error.message;
    throw error;
  }
  throw new Error("Expected UNAUTHORIZED.");
}
