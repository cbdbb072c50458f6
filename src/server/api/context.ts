import "server-only";
import { TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { endSession, startSession } from "../auth";
import { getCurrentActor } from "../auth/actor";
import { getDb } from "../db";
import { AppError, trpcCodeOf } from "../errors";
import { actorFromCredentialHeaders } from "./credentials";
import type { Context } from "./trpc";

/**
 * The caller is whoever the credential headers name (an access token, or Basic username and password for
 * scripts and the CLI); without any, the browser session. Wrong credentials fail the request with their own
 * code (UNAUTHORIZED, or TOO_MANY_REQUESTS for a throttled sign-in) rather than making it anonymous.
 */
export async function createRequestContext(): Promise<Context> {
  const db = getDb();
  let actor;
  try {
    actor = (await actorFromCredentialHeaders(db, await headers())) ?? (await getCurrentActor());
  } catch (error) {
    if (error instanceof AppError) throw new TRPCError({ code: trpcCodeOf(error.code), message: error.message, cause: error });
    throw error;
  }
  return { db, actor, sessions: { start: startSession, end: endSession } };
}
