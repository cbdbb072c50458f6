/**
 * Who a protocol request comes from. Package clients send an access token (in the path as `/t/<token>/`, as
 * Bearer, as X-API-Key, or as the password of HTTP Basic with `__token__` or the owner's username) or HTTP Basic
 * with a username (or e-mail) and password; browsers send the next-auth session cookie, which only some routes
 * accept.
 *
 * Tokens are checked on every request: against the tokens this process verified recently when the launcher gives
 * it a VerifiedTokenCache, otherwise with one indexed lookup (services/tokens.ts). The cache hears of every
 * revocation: a revocation made through this server takes effect on its very next request, one made through
 * another app server within the milliseconds its database notification takes (services/token-cache.ts). What a
 * connection sends again and again (its token header) is decoded and hashed once per connection.
 * Checking a password costs an argon2 verification (~20 ms), so accepted Basic passwords are remembered for a
 * short while under a SHA-256 of the credentials and the client's address; every request still re-reads the
 * account (one primary-key query through resolveGrant), so a password change, a reset or a deactivation takes
 * effect on the very next request too. A password use is bookkept like a token use, not recorded as a sign-in. A
 * session cookie is checked against its session record on every request, as the web app checks it.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { sessionFromCookieHeader } from "../auth/session-cookie";
import { anonymousActor, sessionActor, userActor, type Actor, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { SessionGrant } from "../services/account-records";
import { resolveSession } from "../services/sessions";
import { authenticatePasswordUse, resolveGrant } from "../services/sign-in";
import { parseAuthorizationHeader, wrongCredentialsMessage } from "../services/authorization-header";
import type { VerifiedTokenCache } from "../services/token-cache";
import { secretsEqual } from "../services/passwords";
import { authenticateToken, presentToken, type PresentedToken, type TokenCheckRow } from "../services/token-checks";
import { headerValue, originOf } from "./http";
import { pathTokenHeader } from "./path-token";

/** How a route treats the browser session cookie. */
export type SessionCookiePolicy =
  /** Package clients only: the cookie is ignored (indexes, uploads by tools). */
  | "ignored"
  /** Downloads: a browser following a link on a page is signed in by its cookie. */
  | "accepted"
  /**
   * The web UI's upload: the cookie counts only with `X-Requested-With: granary`, a header a cross-site form
   * cannot send and a cross-site script cannot send without a CORS preflight that is never granted.
   */
  | "requires-x-requested-with";

export const csrfHeaderValue = "granary";


/** A header's token as a connection sent it, with its hash (services/tokens.ts, presentToken). */
interface ConnectionToken {
  source: "path" | "authorization" | "api-key";
  /** The header's value as sent, to recognize it on the connection's next request; kept only while it is open. */
  value: string;
  presented: PresentedToken;
  /** The Basic user name sent with the token, when not `__token__`. */
  login: string | undefined;
}

interface CachedBasicCredentials {
  grant: SessionGrant;
  expiresAt: number;
}

export interface CredentialResolverOptions {
  /** Secret that signs session cookies (AUTH_SECRET); without it the cookie is never accepted. */
  authSecret?: string;
  /** How long accepted Basic credentials skip the password check. */
  basicCacheMilliseconds?: number;
  /** Tokens verified recently, told of every revocation (services/token-cache.ts); without it each token request reads the database. */
  tokenCache?: VerifiedTokenCache<TokenCheckRow>;
  basicCacheEntries?: number;
  now?: () => number;
}

export function sentCsrfHeader(request: IncomingMessage): boolean {
  return headerValue(request, "x-requested-with")?.toLowerCase() === csrfHeaderValue;
}

/**
 * A browser attaches Basic credentials it remembers for this host to any request, even one a page on another
 * site makes; package clients send no Sec-Fetch-Site at all. Uploads from another site's page are refused.
 */
export function unsafeRequestFromAnotherSite(request: IncomingMessage): boolean {
  const site = headerValue(request, "sec-fetch-site")?.toLowerCase();
  const method = request.method ?? "GET";
  return (site === "cross-site" || site === "same-site") && method !== "GET" && method !== "HEAD";
}

export class CredentialResolver {
  private readonly basicCache = new Map<string, CachedBasicCredentials>();
  /** The token header each open connection sent last (see sentBefore); gone with the connection. */
  private readonly connectionTokens = new WeakMap<Socket, ConnectionToken>();
  /** Concurrent requests with the same new credentials (pip opens several) share one password check. */
  private readonly pendingChecks = new Map<string, Promise<SessionGrant>>();
  private readonly cacheMilliseconds: number;
  private readonly cacheEntries: number;
  private readonly now: () => number;
  /** Password checks actually made, for tests of the cache. */
  passwordChecks = 0;

  constructor(
    private readonly db: Db,
    private readonly options: CredentialResolverOptions = {},
  ) {
    this.cacheMilliseconds = options.basicCacheMilliseconds ?? 60_000;
    this.cacheEntries = options.basicCacheEntries ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The actor behind a request. Throws (or rejects with) UNAUTHORIZED for credentials that are present but
   * wrong, so a client with a mistyped password hears about it even on public content. Anonymous requests and
   * tokens the cache remembers are answered without a promise, since this runs before every package request.
   */
  actorFor(request: IncomingMessage, cookiePolicy: SessionCookiePolicy): Actor | Promise<Actor> {
    const origin = originOf(request);
    const pathToken = headerValue(request, pathTokenHeader);
    if (pathToken) return this.fromToken(this.bareToken(request, "path", pathToken), origin);
    const authorization = headerValue(request, "authorization");
    if (authorization) {
      if (unsafeRequestFromAnotherSite(request)) throw new AppError("UNAUTHORIZED", "Credentials are not accepted from another site's page.");
      const sent = this.sentBefore(request, "authorization", authorization);
      if (sent) return this.fromToken(sent, origin);
      const credentials = parseAuthorizationHeader(authorization);
      if (credentials.kind === "password") return this.fromPassword(credentials.login, credentials.password, origin);
      return this.fromToken(this.rememberSent(request, "authorization", authorization, credentials.secret, credentials.login), origin);
    }
    const apiKey = headerValue(request, "x-api-key");
    if (apiKey) return this.fromToken(this.bareToken(request, "api-key", apiKey), origin);
    const cookieAccepted = cookiePolicy === "accepted" || (cookiePolicy === "requires-x-requested-with" && sentCsrfHeader(request));
    if (cookieAccepted) return this.fromSessionCookie(headerValue(request, "cookie"), origin).then((actor) => actor ?? anonymousActor(origin));
    return anonymousActor(origin);
  }

  /**
   * The token this connection's previous request sent in the same header, if this one sends the very same
   * value. Package clients keep their connection open and send the same header with every request, so it is
   * decoded and its token hashed once per connection; every request's token is still checked against its current
   * state. The comparison takes constant time: a proxy may carry several clients' requests on one connection.
   */
  private sentBefore(request: IncomingMessage, source: ConnectionToken["source"], value: string): ConnectionToken | undefined {
    const previous = this.connectionTokens.get(request.socket);
    return previous && previous.source === source && secretsEqual(previous.value, value) ? previous : undefined;
  }

  private rememberSent(request: IncomingMessage, source: ConnectionToken["source"], value: string, secret: string, login?: string): ConnectionToken {
    const token: ConnectionToken = { source, value, presented: presentToken(secret), login };
    this.connectionTokens.set(request.socket, token);
    return token;
  }

  /** The token of a header that holds nothing else (the path's token, X-API-Key). */
  private bareToken(request: IncomingMessage, source: "path" | "api-key", value: string): ConnectionToken {
    return this.sentBefore(request, source, value) ?? this.rememberSent(request, source, value, value);
  }

  /** `/t/<token>/` paths, Bearer, Basic with `__token__` (or a username and a token as the password) and X-API-Key. */
  private fromToken(token: ConnectionToken, origin: RequestOrigin): Actor | Promise<Actor> {
    return authenticateToken(this.db, token.presented, origin, { login: token.login, cache: this.options.tokenCache });
  }

  private async fromPassword(login: string, password: string, origin: RequestOrigin): Promise<Actor> {
    // Per address too: a use from a new address is checked (and bookkept) in full.
    const key = createHash("sha256").update(login.trim().toLowerCase()).update("\0").update(password).update("\0").update(origin.ipAddress).digest("hex");
    const cached = this.basicCache.get(key);
    if (cached && cached.expiresAt > this.now()) {
      const user = await resolveGrant(this.db, cached.grant);
      if (user) return userActor(user, origin);
    }
    // Expired, or the account changed (new password, deactivation): check the password again, which also
    // refuses deactivated accounts and records the sign-in.
    this.basicCache.delete(key);
    const grant = await this.checkPassword(key, login, password, origin);
    const user = await resolveGrant(this.db, grant);
    if (!user) throw new AppError("UNAUTHORIZED", wrongCredentialsMessage);
    this.remember(key, grant);
    return userActor(user, origin);
  }

  private checkPassword(key: string, login: string, password: string, origin: RequestOrigin): Promise<SessionGrant> {
    let pending = this.pendingChecks.get(key);
    if (!pending) {
      this.passwordChecks += 1;
      pending = authenticatePasswordUse(this.db, anonymousActor(origin), { login, password })
        .catch((error: unknown) => {
          // An empty login or password fails the sign-in schema: to a package client that is just wrong credentials.
          if (error instanceof AppError) throw error;
          if (error instanceof Error && error.name === "ZodError") throw new AppError("UNAUTHORIZED", wrongCredentialsMessage);
          throw error;
        })
        .finally(() => this.pendingChecks.delete(key));
      this.pendingChecks.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, grant: SessionGrant): void {
    if (this.basicCache.size >= this.cacheEntries) {
      const oldest = this.basicCache.keys().next();
      if (!oldest.done) this.basicCache.delete(oldest.value);
    }
    this.basicCache.set(key, { grant, expiresAt: this.now() + this.cacheMilliseconds });
  }

  private async fromSessionCookie(cookieHeader: string | undefined, origin: RequestOrigin): Promise<Actor | null> {
    const session = await sessionFromCookieHeader(cookieHeader, this.options.authSecret);
    if (!session) return null;
    // The same check as the web app's: a signed-out session's cookie, or a copy of it, is nobody's.
    const user = await resolveSession(this.db, session, origin);
    return user ? sessionActor(user, session.sessionId, origin) : null;
  }
}
