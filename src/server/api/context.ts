import "server-only";
import { endSession, startSession } from "../auth";
import { getCurrentActor } from "../auth/actor";
import { getDb } from "../db";
import type { Context } from "./trpc";

export async function createRequestContext(): Promise<Context> {
  return { db: getDb(), actor: await getCurrentActor(), sessions: { start: startSession, end: endSession } };
}
