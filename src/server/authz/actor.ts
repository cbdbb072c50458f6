import type { TokenScope } from "@/shared/token-scopes";
import { clientAddressFromHeaders } from "../client-address";

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

/** The access token a request authenticated with: its account's powers, limited by its scopes and channel. */
export interface ActorToken {
  id: string;
  name: string;
  scopes: readonly TokenScope[];
  /** The one owner whose things the token may see and change; null for no restriction. */
  channelOwnerId: string | null;
}

/** How a signed-in actor proved who it is: the browser session, Basic username and password, or a token. */
export type AuthenticationMethod = "session" | "password" | "token";

export type Actor =
  | ({ kind: "anonymous" } & { origin: RequestOrigin })
  | ({
      kind: "user";
      user: ActorUser;
      /** Absent means a browser session. */
      via?: AuthenticationMethod;
      /** Present exactly when the request authenticated with an access token. */
      token?: ActorToken;
      /** The browser session's record, present exactly when the request came with the session cookie. */
      sessionId?: string;
    } & { origin: RequestOrigin });

export type SignedInActor = Extract<Actor, { kind: "user" }>;

export const unknownOrigin: RequestOrigin = { ipAddress: "unknown", userAgent: null };

export function anonymousActor(origin: RequestOrigin = unknownOrigin): Actor {
  return { kind: "anonymous", origin };
}

export function userActor(user: ActorUser, origin: RequestOrigin = unknownOrigin, via: Exclude<AuthenticationMethod, "token"> = "session"): Actor {
  return { kind: "user", user, origin, via };
}

/** An account signed in through a browser session (the session cookie, checked against its record). */
export function sessionActor(user: ActorUser, sessionId: string, origin: RequestOrigin = unknownOrigin): Actor {
  return { kind: "user", user, origin, via: "session", sessionId };
}

export function tokenActor(user: ActorUser, token: ActorToken, origin: RequestOrigin = unknownOrigin): Actor {
  return { kind: "user", user, origin, via: "token", token };
}

export function authenticationMethodOf(actor: SignedInActor): AuthenticationMethod {
  return actor.token ? "token" : (actor.via ?? "session");
}

/** The audit trail's name for an actor. */
export function actorLabel(actor: Actor): string {
  if (actor.kind !== "user") return "anonymous";
  return actor.token ? `${actor.user.username} (token ${actor.token.name})` : actor.user.username;
}

/** The client's address as the launcher decided it (client-address.ts), and its agent, from the web app's request headers. */
export function originFromHeaders(headers: Headers): RequestOrigin {
  return { ipAddress: clientAddressFromHeaders(headers), userAgent: headers.get("user-agent")?.slice(0, 512) ?? null };
}
