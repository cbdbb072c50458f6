/**
 * Every request's id: the one a proxy in front sent (X-Request-Id, when it looks like an id), or a new one. It goes
 * back in the response's X-Request-Id and into the log records of anything that fails while answering, so an
 * operator holding a user's "it failed at 10:42" can find the one line about it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const requestIdHeader = "x-request-id";

/** What is kept of an incoming id: short and plain, so that it can neither flood a log line nor forge one. */
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,100}$/;

/** Gives the request its id (on its headers, for Next's handlers too) and names it in the response; returns it. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const requestId = giveRequestId(request);
  response.setHeader("X-Request-Id", requestId);
  return requestId;
}

/** Gives the request its id, on its headers only: the caller names it in the response's X-Request-Id itself. */
export function giveRequestId(request: IncomingMessage): string {
  const sent = request.headers[requestIdHeader];
  const requestId = typeof sent === "string" && acceptableRequestId.test(sent) ? sent : randomUUID();
  request.headers[requestIdHeader] = requestId;
  return requestId;
}

/** The id a request was given (a Fetch API request inside Next). */
export function requestIdOf(headers: Headers): string | null {
  return headers.get(requestIdHeader);
}
