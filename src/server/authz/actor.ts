/** Who is asking, and from where: every service receives one. */
export interface RequestOrigin {
  ipAddress: string;
  userAgent: string | null;
}

export interface ActorUser {
  id: string;
  username: string;
  email: string;
  name: string | null;
  isSiteAdmin: boolean;
}

export type Actor =
  | ({ kind: "anonymous" } & { origin: RequestOrigin })
  | ({ kind: "user"; user: ActorUser } & { origin: RequestOrigin });

export const unknownOrigin: RequestOrigin = { ipAddress: "unknown", userAgent: null };

export function anonymousActor(origin: RequestOrigin = unknownOrigin): Actor {
  return { kind: "anonymous", origin };
}

export function userActor(user: ActorUser, origin: RequestOrigin = unknownOrigin): Actor {
  return { kind: "user", user, origin };
}

/** The audit trail's name for an actor. */
export function actorLabel(actor: Actor): string {
  return actor.kind === "user" ? actor.user.username : "anonymous";
}

/** Reads the client's address and agent from request headers (the first X-Forwarded-For hop when proxied). */
export function originFromHeaders(headers: Headers): RequestOrigin {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ipAddress = forwarded || headers.get("x-real-ip") || "unknown";
  return { ipAddress: ipAddress.slice(0, 64), userAgent: headers.get("user-agent")?.slice(0, 512) ?? null };
}
