/**
 * Credentials sent to the API in headers, for scripts and the CLI: an access token (Bearer, X-API-Key, the
 * path's `/t/<token>/` passed on by the launcher, or Basic with `__token__` or the owner's username) or Basic
 * username and password (how `granary login` mints its first token). Credentials that are present but wrong
 * are refused with UNAUTHORIZED, never treated as an anonymous visit. Without any, the session cookie decides.
 */
import { ZodError } from "zod";
import { anonymousActor, originFromHeaders, userActor, type Actor, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { AppError } from "../errors";
import { pathTokenHeader } from "../protocols/path-token";
import { authenticatePasswordUse, resolveGrant } from "../services/sign-in";
import { parseAuthorizationHeader, wrongCredentialsMessage } from "../services/authorization-header";
import { authenticateToken } from "../services/token-checks";

async function fromPassword(db: Db, login: string, password: string, origin: RequestOrigin): Promise<Actor> {
  try {
    const grant = await authenticatePasswordUse(db, anonymousActor(origin), { login, password });
    const user = await resolveGrant(db, grant);
    if (!user) throw new AppError("UNAUTHORIZED", wrongCredentialsMessage);
    return userActor(user, origin, "password");
  } catch (error) {
    // An empty login or password fails the sign-in schema: to a script that is just wrong credentials.
    if (error instanceof ZodError) throw new AppError("UNAUTHORIZED", wrongCredentialsMessage);
    throw error;
  }
}

/**
 * A browser attaches Basic credentials it remembers for this host even to requests a page on another site
 * makes; scripts send no Sec-Fetch-Site at all.
 */
function fromAnotherSite(headers: Headers): boolean {
  const site = headers.get("sec-fetch-site")?.toLowerCase();
  return site === "cross-site" || site === "same-site";
}

/** The actor the request's credential headers name, or null when it sends none. Throws UNAUTHORIZED for wrong ones. */
export async function actorFromCredentialHeaders(db: Db, headers: Headers): Promise<Actor | null> {
  const origin = originFromHeaders(headers);
  const pathToken = headers.get(pathTokenHeader);
  if (pathToken) return authenticateToken(db, pathToken, origin);
  const authorization = headers.get("authorization");
  if (authorization) {
    const credentials = parseAuthorizationHeader(authorization);
    const basic = credentials.kind === "password" || credentials.scheme === "basic";
    if (basic && fromAnotherSite(headers)) throw new AppError("UNAUTHORIZED", "Credentials are not accepted from another site's page.");
    if (credentials.kind === "password") return fromPassword(db, credentials.login, credentials.password, origin);
    return authenticateToken(db, credentials.secret, origin, { login: credentials.login });
  }
  const apiKey = headers.get("x-api-key");
  if (apiKey) return authenticateToken(db, apiKey, origin);
  return null;
}
