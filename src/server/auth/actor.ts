import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { anonymousActor, originFromHeaders, sessionActor, type Actor } from "../authz";
import { getDb } from "../db";
import { resolveSession } from "../services/sessions";
import { auth } from ".";

/** The actor behind the current request, resolved once per request and re-checked against the database. */
export const getCurrentActor = cache(async (): Promise<Actor> => {
  const origin = originFromHeaders(await headers());
  const session = await auth();
  if (!session?.grant) return anonymousActor(origin);
  const user = await resolveSession(getDb(), session.grant, origin);
  return user ? sessionActor(user, session.grant.sessionId, origin) : anonymousActor(origin);
});
