/**
 * The launcher's own 503s, answered before Next: while the database is away (Next's error pages cannot set a
 * status), and for requests arriving on a kept-alive connection while Granary is stopping. Browsers get a small
 * page; package clients and scripts a line of text. Both carry Retry-After.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { databaseAvailability } from "./db/availability";
import { databaseRetryAfterSeconds } from "./db/errors";

export type UnavailableReason = "database" | "stopping";

const explanations: Record<UnavailableReason, { title: string; text: string }> = {
  database: {
    title: "Granary will be back in a moment",
    text: "Its database is restarting. Try again in a few seconds.",
  },
  stopping: {
    title: "Granary is restarting",
    text: "The server is stopping for a restart. Try again in a few seconds.",
  },
};

function wantsHtml(request: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? "");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function unavailablePage(reason: UnavailableReason, retryUrl: string): string {
  const { title, text } = explanations[reason];
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
<p><a href="${escapeHtml(retryUrl)}">Try again</a></p>
</main>
</body>
</html>
`;
}

/** Paths whose answer never needs the database (Next's built assets): served as usual. */
export function needsNoDatabase(url: string): boolean {
  return url.startsWith("/_next/static/") || url === "/favicon.ico";
}

export function answerUnavailable(request: IncomingMessage, response: ServerResponse, reason: UnavailableReason): void {
  const headers: Record<string, string> = { "Retry-After": String(databaseRetryAfterSeconds), "Cache-Control": "no-store" };
  if (reason === "stopping") headers.Connection = "close";
  const url = request.url ?? "/";
  const sameSitePath = url.startsWith("/") && !url.startsWith("//") ? url : "/";
  if (wantsHtml(request)) {
    response.writeHead(503, { ...headers, "Content-Type": "text/html; charset=utf-8" }).end(request.method === "HEAD" ? undefined : unavailablePage(reason, sameSitePath));
  } else {
    response.writeHead(503, { ...headers, "Content-Type": "text/plain; charset=utf-8" }).end(request.method === "HEAD" ? undefined : `${explanations[reason].text}\n`);
  }
  // Whatever the client was sending is not wanted.
  request.resume();
}

/**
 * A page that was rendering when the database went away fails in Next, which answers 500 and cannot be told
 * otherwise: a 5xx of a request that lived through an outage (the database is away now, or went away since the
 * request arrived, however short the outage was, or the request met an unreachable database or one out of
 * connections) leaves as a 503 with Retry-After instead. Node writes implicit headers through writeHead too, so this sees every status.
 */
export function answerServerErrorsAs503WhileDatabaseAway(response: ServerResponse): void {
  const availability = databaseAvailability();
  const disruptionsBefore = availability.disruptions;
  const writeHead = response.writeHead;
  response.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
    if (statusCode >= 500 && (availability.isDown || availability.disruptions !== disruptionsBefore)) {
      statusCode = 503;
      this.setHeader("Retry-After", String(databaseRetryAfterSeconds));
      this.setHeader("Cache-Control", "no-store");
    }
    return (writeHead as (...args: unknown[]) => ServerResponse).call(this, statusCode, ...rest);
  } as ServerResponse["writeHead"];
}
