/**
 * Small HTTP helpers for the protocol handler, which answers on plain node:http without a framework so that
 * package clients never pay for one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestOrigin } from "../authz";
import { clientAddressOf } from "../client-address";

export const basicChallenge = 'Basic realm="Granary"';

export function httpDate(moment: Date): string {
  return moment.toUTCString();
}

/** The client's address as decided when the request arrived (client-address.ts, the same decision the web app sees), and its agent. */
export function originOf(request: IncomingMessage): RequestOrigin {
  return { ipAddress: clientAddressOf(request), userAgent: headerValue(request, "user-agent")?.slice(0, 512) ?? null };
}

export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

interface WeightedToken {
  token: string;
  quality: number;
}

/** Parses `a, b;q=0.5` lists (Accept, Accept-Encoding) into lower-cased tokens with their q-values. */
export function parseWeightedList(header: string | undefined): WeightedToken[] {
  if (!header) return [];
  const tokens: WeightedToken[] = [];
  for (const part of header.split(",")) {
    const [token, ...parameters] = part.split(";").map((piece) => piece.trim());
    if (!token) continue;
    let quality = 1;
    for (const parameter of parameters) {
      const match = /^q\s*=\s*([0-9.]+)$/i.exec(parameter);
      if (match) quality = Math.min(1, Math.max(0, Number(match[1]) || 0));
    }
    tokens.push({ token: token.toLowerCase(), quality });
  }
  return tokens;
}

export function acceptsGzip(request: IncomingMessage): boolean {
  const header = headerValue(request, "accept-encoding");
  if (header === undefined) return false;
  // Clients send the same few Accept-Encoding headers again and again: each is parsed once.
  let accepted = gzipAcceptance.get(header);
  if (accepted === undefined) {
    accepted = listAcceptsGzip(header);
    if (gzipAcceptance.size >= gzipAcceptanceKept) gzipAcceptance.clear();
    gzipAcceptance.set(header, accepted);
  }
  return accepted;
}

const gzipAcceptance = new Map<string, boolean>();
const gzipAcceptanceKept = 256;

function listAcceptsGzip(header: string): boolean {
  const tokens = parseWeightedList(header);
  const gzip = tokens.find((entry) => entry.token === "gzip" || entry.token === "x-gzip");
  if (gzip) return gzip.quality > 0;
  const wildcard = tokens.find((entry) => entry.token === "*");
  return wildcard ? wildcard.quality > 0 : false;
}

/** RFC 9110 If-None-Match with weak comparison, as caches and package clients use it. */
export function ifNoneMatchHits(request: IncomingMessage, etags: readonly string[]): boolean {
  const header = headerValue(request, "if-none-match");
  if (!header) return false;
  if (header.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  const candidates = new Set(etags.map(opaque));
  return header.split(",").some((tag) => candidates.has(opaque(tag)));
}

/** If-Modified-Since applies only when the request carries no If-None-Match (RFC 9110 13.1.3). */
export function notModifiedSince(request: IncomingMessage, lastModified: Date): boolean {
  if (headerValue(request, "if-none-match")) return false;
  const header = headerValue(request, "if-modified-since");
  if (!header) return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

export function isHead(request: IncomingMessage): boolean {
  return request.method === "HEAD";
}

/** Sends a complete in-memory body (omitted for HEAD), with Content-Length. */
export function sendBuffer(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number | string[]>,
  body: Buffer | string,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  response.writeHead(status, { ...headers, "Content-Length": bytes.length });
  if (isHead(request)) response.end();
  else response.end(bytes);
}

/** A status line's reason phrase may hold only visible Latin-1; twine prints it to the user. */
export function reasonPhrase(message: string): string {
  return message.replace(/[^\x20-\x7e]+/g, " ").slice(0, 300);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => {
    switch (character) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&#39;";
    }
  });
}
