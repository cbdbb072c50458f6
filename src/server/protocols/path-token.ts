/**
 * Tokens in URLs: conda puts them in the channel address (`http://HOST/t/<token>/<owner>`), and any client can
 * put `/t/<token>/` anywhere in a path. The launcher takes the token out of the request target before anything
 * routes or logs it (the protocol handler does the same when it runs alone) and passes it on in a header, which
 * the protocol handler and tRPC read as a credential, like X-API-Key.
 */
import type { IncomingMessage } from "node:http";
import { tokenPrefix } from "@/shared/token-scopes";

/** The path segment before a token: `/t/<token>/`. As a first segment it is always a token, so no owner may take it. */
export const pathTokenSegment = "t";

/** Carries the token taken from the path. A client sending it directly is just sending a token. */
export const pathTokenHeader = "x-granary-path-token";

export interface PathToken {
  token: string;
  /** How many path segments came before `t`, so a redirect can put the token back where it was. */
  segmentIndex: number;
}

/**
 * Finds `/t/<token>/` in a request target and returns the target without it. `t` as the first segment is
 * always a token (no owner may be named `t`); further in, only a segment starting with the token prefix counts,
 * so a label named `t` stays a label.
 */
export function splitPathToken(target: string): { target: string; pathToken: PathToken } | null {
  if (!target.includes("/t/")) return null;
  const queryStart = target.indexOf("?");
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? "" : target.slice(queryStart);
  if (!path.startsWith("/")) return null;
  const segments = path.slice(1).split("/");
  for (let index = 0; index + 1 < segments.length; index += 1) {
    if (segments[index] !== pathTokenSegment) continue;
    const candidate = segments[index + 1]!;
    if (candidate === "" || (index > 0 && !candidate.startsWith(tokenPrefix))) continue;
    let token: string;
    try {
      token = decodeURIComponent(candidate);
    } catch {
      token = candidate;
    }
    const rest = [...segments.slice(0, index), ...segments.slice(index + 2)];
    return { target: `/${rest.join("/")}${query}`, pathToken: { token, segmentIndex: index } };
  }
  return null;
}

/** Puts the token back into a redirect's path at the place the client had it. */
export function withPathToken(location: string, pathToken: PathToken | undefined): string {
  if (!pathToken || !location.startsWith("/")) return location;
  const queryStart = location.indexOf("?");
  const path = queryStart === -1 ? location : location.slice(0, queryStart);
  const query = queryStart === -1 ? "" : location.slice(queryStart);
  const segments = path.slice(1).split("/");
  const at = Math.min(pathToken.segmentIndex, segments.length);
  segments.splice(at, 0, pathTokenSegment, encodeURIComponent(pathToken.token));
  return `/${segments.join("/")}${query}`;
}

const takenTokens = new WeakMap<IncomingMessage, PathToken>();

/**
 * Takes `/t/<token>/` out of `request.url` (once; calling again finds nothing more) and records the token in
 * the request's headers for the credential checks.
 */
export function takePathToken(request: IncomingMessage): void {
  if (takenTokens.has(request)) return;
  const split = splitPathToken(request.url ?? "/");
  if (!split) return;
  request.url = split.target;
  request.headers[pathTokenHeader] = split.pathToken.token;
  takenTokens.set(request, split.pathToken);
}

/** The token taken from this request's path, if any. */
export function pathTokenOf(request: IncomingMessage): PathToken | undefined {
  return takenTokens.get(request);
}
