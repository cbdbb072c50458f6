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

/**
 * How a signed-in actor proved who it is: the browser session, Basic username and password, a token, or being the
 * server's operator at `granary-admin` (the command line).
 */
export type AuthenticationMethod = "session" | "password" | "token" | "command_line";

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

/**
 * The operator running `granary-admin` on the server. It holds a site administrator's powers (it reaches the
 * database anyway) but is no account: the audit trail names it "command line" and links no account, and its id is
 * the nil UUID, which no account has.
 */
export const commandLineUser: ActorUser = { id: "00000000-0000-0000-0000-000000000000", username: "command line", email: "", name: null, isSiteAdmin: true };

export function commandLineActor(origin: RequestOrigin = { ipAddress: "local", userAgent: "granary-admin" }): SignedInActor {
  return { kind: "user", user: commandLineUser, origin, via: "command_line" };
}

export function isCommandLine(actor: Actor): boolean {
  return actor.kind === "user" && actor.via === "command_line";
}

export function authenticationMethodOf(actor: SignedInActor): AuthenticationMethod {
  return actor.token ? "token" : (actor.via ?? "session");
}

/** The audit trail's name for an actor. */
export function actorLabel(actor: Actor): string {
  if (actor.kind !== "user") return "anonymous";
  if (actor.via === "command_line") return "command line";
  return actor.token ? `${actor.user.username} (token ${actor.token.name})` : actor.user.username;
}

/** The client's address as the launcher decided it (client-address.ts), and its agent, from the web app's request headers. */
export function originFromHeaders(headers: Headers): RequestOrigin {
  return { ipAddress: clientAddressFromHeaders(headers), userAgent: headers.get("user-agent")?.slice(0, 512) ?? null };
}
