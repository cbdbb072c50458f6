import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { anonymousActor, originFromHeaders, userActor, type Actor } from "../authz";
import { getDb } from "../db";
import { resolveSession } from "../services/sign-in";
import { auth } from ".";

/** The actor behind the current request, resolved once per request and re-checked against the database. */
export const getCurrentActor = cache(async (): Promise<Actor> => {
  const origin = originFromHeaders(await headers());
  const session = await auth();
  if (!session?.grant) return anonymousActor(origin);
  const user = await resolveSession(getDb(), session.grant);
  return user ? userActor(user, origin) : anonymousActor(origin);
});
