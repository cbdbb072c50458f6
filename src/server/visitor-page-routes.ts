/**
 * Which requests get the prerendered visitor's page (src/app/visitor-pages): a page view without a session or any
 * other credential, of a page every such visitor sees alike, at an address without a query (which those pages would
 * ignore), or a search, whose query becomes a segment of the address. The launcher tags such a request with this process's visitor generation (services/visitor-pages.ts) and
 * next.config.mjs rewrites it to /visitor-pages/<generation>/<the address>, a page Next renders once per generation
 * and answers from its cache after that (force-static, so it reads no cookies or headers and cannot see who asks).
 * Everything else, and every request while the generation is unknown, reaches the usual dynamic page.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isReservedOwnerName, isReservedPackageName } from "@/shared/reserved-names";

/** Set by the launcher only; a client's own is removed first. */
export const visitorGenerationHeader = "x-granary-visitor-generation";
/** A search's query as one path segment (visitorSearchSegment), set beside the generation for /search. */
export const visitorSearchHeader = "x-granary-visitor-search";
/** The folder of the visitor pages, which no client may ask for by that name. */
export const visitorPagesPrefix = "/visitor-pages";

/** Headers that carry a credential of some kind (the path token's travels in x-granary-path-token). */
const credentialHeaders = ["authorization", "x-api-key", "x-granary-path-token"];
/** next-auth's session cookie, under both of its names and in chunks (`.0`, `.1`, ...). */
const sessionCookie = /(?:^|;)\s*(?:__Secure-)?authjs\.session-token(?:\.\d+)?=/;
/** The search page's own parameters: a query with any other is answered by the dynamic page. */
const searchParameters = new Set(["q", "kind", "sort", "platform", "label", "page"]);
/** Longer queries than the search page reads (200 characters) plus its filters are not worth keeping. */
const longestSearch = 600;
/** Names as owners and packages have them: anything else is answered by the dynamic page (its 404). */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface VisitorPageOptions {
  /**
   * Whether the site's address is configured (PUBLIC_URL): a package page prints commands with it, and without it
   * takes it from the request's Host header, which a page rendered once for everyone cannot read.
   */
  siteAddressKnown: boolean;
}

/** The address a visitor page answers for `url`, or null when the request must reach the dynamic page. */
export function visitorPagePath(url: string, options: VisitorPageOptions): string | null {
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  if (path === "/search") return visitorSearchSegment(url) === null ? null : path;
  if (queryStart !== -1) {
    // The router's own cache-busting parameter on its requests for a page's payload is the only one allowed.
    const parameters = new URLSearchParams(url.slice(queryStart + 1));
    for (const name of parameters.keys()) if (name !== "_rsc") return null;
  }
  if (path === "/" || path === "/terms" || path === "/sign-in") return path;
  const segments = path.split("/").slice(1);
  if (segments.length < 1 || segments.length > 2 || !segments.every((segment) => namePattern.test(segment))) return null;
  if (isReservedOwnerName(segments[0]!)) return null;
  if (segments.length === 2 && (isReservedPackageName(segments[1]!) || !options.siteAddressKnown)) return null;
  return path;
}

/**
 * The search's parameters (without the router's `_rsc`) as one path segment, `s` and their base64url, which the
 * visitor search page reads back (visitorSearchFromSegment); null for a query the visitor page does not answer.
 */
export function visitorSearchSegment(url: string): string | null {
  const queryStart = url.indexOf("?");
  const parameters = new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1));
  parameters.delete("_rsc");
  for (const name of parameters.keys()) if (!searchParameters.has(name)) return null;
  const query = parameters.toString();
  return query.length > longestSearch ? null : `s${Buffer.from(query).toString("base64url")}`;
}

/** The search parameters a visitor search page's segment stands for (empty for anything that is not one). */
export function visitorSearchFromSegment(segment: string): Record<string, string | string[]> {
  if (!/^s[A-Za-z0-9_-]*$/.test(segment)) return {};
  const parameters: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(Buffer.from(segment.slice(1), "base64url").toString())) {
    if (!searchParameters.has(name)) continue;
    const earlier = parameters[name];
    parameters[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return parameters;
}

/** Whether the request is a credential-less page view of a visitor page. */
export function isVisitorPageRequest(request: IncomingMessage, options: VisitorPageOptions): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  if (credentialHeaders.some((name) => request.headers[name] !== undefined)) return false;
  const cookie = request.headers.cookie;
  if (cookie && sessionCookie.test(cookie)) return false;
  return visitorPagePath(request.url ?? "/", options) !== null;
}

/**
 * Next answers a prerendered page with `s-maxage`, which lets a shared cache in front of Granary keep it and hand
 * it to anyone, signed in or not: a visitor page's response may be kept by the visitor's browser only, and only
 * until it asks again, as every other page's.
 */
export function keepVisitorPagesPrivate(response: ServerResponse): void {
  const setHeader = response.setHeader.bind(response);
  response.setHeader = (name, value) =>
    setHeader(name, name.toLowerCase() === "cache-control" ? "private, no-cache, no-store, max-age=0, must-revalidate" : value);
}
