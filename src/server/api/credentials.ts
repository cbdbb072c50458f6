/**
 * Credentials sent to the API in headers, for scripts and the CLI: an access token (Bearer, X-API-Key, the
 * path's `/t/<token>/` passed on by the launcher, or Basic with `__token__` or the owner's username) or Basic
 * username and password (how `granary login` mints its first token). Credentials that are present but wrong
 * are refused with UNAUTHORIZED, never treated as an anonymous visit. Without any, the session cookie decides.
 */
import { ZodError } from "zod";
import { looksLikeToken } from "@/shared/token-scopes";
import { anonymousActor, originFromHeaders, userActor, type Actor, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { AppError } from "../errors";
import { pathTokenHeader } from "../protocols/path-token";
import { authenticate, resolveSession } from "../services/accounts";
import { authenticateToken } from "../services/tokens";

const wrongCredentials = "The username, e-mail or password is not right.";

async function fromPassword(db: Db, login: string, password: string, origin: RequestOrigin): Promise<Actor> {
  try {
    const grant = await authenticate(db, anonymousActor(origin), { login, password });
    const user = await resolveSession(db, grant);
    if (!user) throw new AppError("UNAUTHORIZED", wrongCredentials);
    return userActor(user, origin, "password");
  } catch (error) {
    // An empty login or password fails the sign-in schema: to a script that is just wrong credentials.
    if (error instanceof ZodError) throw new AppError("UNAUTHORIZED", wrongCredentials);
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
    const [scheme = "", value = ""] = authorization.trim().split(/\s+/, 2);
    switch (scheme.toLowerCase()) {
      case "bearer":
        return authenticateToken(db, value, origin);
      case "basic": {
        if (fromAnotherSite(headers)) throw new AppError("UNAUTHORIZED", "Credentials are not accepted from another site's page.");
        const decoded = Buffer.from(value, "base64").toString("utf8");
        const separator = decoded.indexOf(":");
        if (separator === -1) throw new AppError("UNAUTHORIZED", "The Basic credentials are malformed: send username:password.");
        const login = decoded.slice(0, separator);
        const password = decoded.slice(separator + 1);
        if (login.includes("\0") || password.includes("\0")) throw new AppError("UNAUTHORIZED", wrongCredentials);
        if (login === "__token__") return authenticateToken(db, password, origin);
        if (looksLikeToken(password.trim())) return authenticateToken(db, password, origin, { login });
        return fromPassword(db, login, password, origin);
      }
      default:
        throw new AppError("UNAUTHORIZED", `The ${scheme || "empty"} authorization scheme is not supported; use Bearer with an access token.`);
    }
  }
  const apiKey = headers.get("x-api-key");
  if (apiKey) return authenticateToken(db, apiKey, origin);
  return null;
}
