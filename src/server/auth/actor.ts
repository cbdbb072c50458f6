import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { env } from "@/env";
import { anonymousActor, originFromHeaders, sessionActor, type Actor } from "../authz";
import { getDb } from "../db";
import { resolveSession } from "../services/sessions";
import { sessionFromCookieHeader } from "./session-cookie";

/**
 * The actor behind the current request, resolved once per request and re-checked against the database. The session
 * cookie is read as the protocol handler reads it (auth/session-cookie.ts) rather than through next-auth's auth(),
 * which also re-encrypts a renewed cookie that a page or a route handler cannot send back.
 */
export const getCurrentActor = cache(async (): Promise<Actor> => {
  const requestHeaders = await headers();
  const origin = originFromHeaders(requestHeaders);
  const session = await sessionFromCookieHeader(requestHeaders.get("cookie"), env.AUTH_SECRET);
  if (!session) return anonymousActor(origin);
  const user = await resolveSession(getDb(), session, origin);
  return user ? sessionActor(user, session.sessionId, origin) : anonymousActor(origin);
});
