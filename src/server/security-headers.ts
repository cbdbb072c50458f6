/**
 * The security headers of every response Granary serves, set in one place: by the launcher for everything Next
 * answers (pages, tRPC, static files) and by the protocol handler for package clients' answers.
 *
 * Pages get one fixed Content-Security-Policy rather than a per-request nonce: a nonce would force every page to
 * render dynamically (Next.js injects it while rendering), and visitor pages are to be rendered statically and
 * cached. Next's App Router streams its data as inline scripts, and subresource integrity does not cover those
 * (vercel/next.js#95354), so scripts may be inline, but only this site's: no other host's script, style, frame,
 * connection or form target is allowed, `frame-ancestors 'none'` keeps every page out of other sites' frames, and
 * images come only from this site and Gravatar, so a package description cannot plant a tracking pixel.
 * Protocol answers (indexes, files, upload results) need no script or style at all: their policy allows nothing
 * and sandboxes whatever a browser makes of an uploaded file.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface SecurityHeaderSettings {
  /** The site's public address (PUBLIC_URL): `https://...` means browsers reach it over HTTPS. */
  publicUrl: string;
  /** Whether a reverse proxy's X-Forwarded-Proto is to be believed. */
  trustProxy: boolean;
  /** Next's development mode evaluates code (React's error overlays): its pages need 'unsafe-eval'. */
  development?: boolean;
}

/** One year: browsers keep to HTTPS for that long after seeing the header over HTTPS. */
const strictTransportSecurity = "max-age=31536000";

/** Gravatar serves the account pictures in the top bar. */
const imageHosts = ["https://www.gravatar.com"];

function pagePolicy(settings: SecurityHeaderSettings, https: boolean): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${settings.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: ${imageHosts.join(" ")}`,
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

const protocolPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox";

/**
 * Whether the browser reached the site over HTTPS: PUBLIC_URL says so, or a trusted reverse proxy says it took
 * the request over HTTPS. (Browsers ignore Strict-Transport-Security sent over plain HTTP anyway.)
 */
export function servedOverHttps(request: IncomingMessage, settings: SecurityHeaderSettings): boolean {
  if (settings.publicUrl.toLowerCase().startsWith("https:")) return true;
  if (!settings.trustProxy) return false;
  const forwarded = request.headers["x-forwarded-proto"];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim().toLowerCase();
  return proto === "https";
}

function commonHeaders(https: boolean): [string, string][] {
  return [
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "same-origin"],
    ...(https ? ([["Strict-Transport-Security", strictTransportSecurity]] as [string, string][]) : []),
  ];
}

/** The headers of a page, an API answer or a static file that Next serves. */
export function pageSecurityHeaders(request: IncomingMessage, settings: SecurityHeaderSettings): [string, string][] {
  const https = servedOverHttps(request, settings);
  return [["Content-Security-Policy", pagePolicy(settings, https)], ["Cross-Origin-Opener-Policy", "same-origin"], ...commonHeaders(https)];
}

/** The headers of a package protocol answer: an index, a file, an upload's result. */
export function protocolSecurityHeaders(request: IncomingMessage, settings: SecurityHeaderSettings): [string, string][] {
  return protocolSecurityHeadersOver(servedOverHttps(request, settings));
}

/** The same, for an answer known to go out over HTTPS or not. */
export function protocolSecurityHeadersOver(https: boolean): [string, string][] {
  return [["Content-Security-Policy", protocolPolicy], ...commonHeaders(https)];
}

/** Sets headers before whoever answers the request writes its own. */
export function setHeaders(response: ServerResponse, headers: [string, string][]): void {
  for (const [name, value] of headers) response.setHeader(name, value);
}
