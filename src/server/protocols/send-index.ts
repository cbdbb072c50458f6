import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "../errors";
import type { ReadyIndex, RequestContext } from "./context";
import { acceptsGzip, ifNoneMatchHits, isHead, notModifiedSince, sendBuffer } from "./http";
import { bzip2Of, variantEtag, type IndexDocument, type IndexEntry } from "./index-cache";

export interface SendIndexOptions {
  cacheControl: string;
  vary: string;
  /** Serve the bzip2 file (repodata.json.bz2) rather than the document itself. */
  bzip2?: boolean;
  contentType?: string;
}

/** Answers with a cached index: 304 when the client's copy is current, gzip when the client takes it. */
export async function sendIndex(context: RequestContext, entry: IndexEntry, options: SendIndexOptions): Promise<void> {
  // Callers that can find nothing (one project's page) answer that themselves, in their own words.
  if (entry.kind === "missing") throw new AppError("NOT_FOUND", "There is no such index.");
  const { request, response } = context;

  let coding: "identity" | "gzip" | "bzip2" = "identity";
  let body = entry.body;
  if (options.bzip2) {
    const compressed = await bzip2Of(entry);
    if (!compressed) throw new AppError("NOT_FOUND", "This server has no bzip2 encoder; read repodata.json instead.");
    coding = "bzip2";
    body = compressed;
  } else if (acceptsGzip(request)) {
    coding = "gzip";
    body = entry.gzip;
  }

  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? entry.contentType,
    ETag: variantEtag(entry, coding),
    "Last-Modified": entry.lastModifiedHeader,
    "Cache-Control": options.cacheControl,
    Vary: options.vary,
    "X-Content-Type-Options": "nosniff",
  };
  if (coding === "gzip") headers["Content-Encoding"] = "gzip";

  const current = [entry.etag, variantEtag(entry, "gzip"), variantEtag(entry, "bzip2")];
  if (ifNoneMatchHits(request, current) || notModifiedSince(request, entry.lastModified)) {
    delete headers["Content-Type"];
    delete headers["Content-Encoding"];
    response.writeHead(304, headers);
    response.end();
    return;
  }
  sendBuffer(request, response, 200, headers, body);
}

/**
 * The headers sendIndex writes for a document, in its order, as flat lists writeHead takes as they are: made once
 * per document and way of sending it, so the fast path builds no header object per request. The security headers
 * (X-Content-Type-Options among them) come before these, as the handler sets them before sendIndex runs.
 */
interface PreparedAnswers {
  /** Each list starts with the leading headers the handler gave, the request id's value left empty. */
  identity: string[];
  gzip: string[];
  /** A 304 names the representation the client would have been sent, as sendIndex does. */
  notModifiedIdentity: string[];
  notModifiedGzip: string[];
  /** The ETags a client may hold for this document: identity, gzip and bzip2. */
  etags: readonly string[];
}

const preparedAnswers = new WeakMap<IndexDocument, Map<string, PreparedAnswers>>();

/** Where the request id goes in the leading headers: ["X-Request-Id", <id>, ...the security headers]. */
const requestIdValueAt = 1;

function prepare(ready: ReadyIndex, leadingHeaders: readonly string[]): PreparedAnswers {
  const { document, cacheControl, vary } = ready;
  let byWay = preparedAnswers.get(document);
  if (!byWay) {
    byWay = new Map();
    preparedAnswers.set(document, byWay);
  }
  // The leading headers differ only by the request id and HTTPS (Strict-Transport-Security): the list's length tells.
  const way = `${cacheControl}\n${vary}\n${leadingHeaders.length}`;
  let prepared = byWay.get(way);
  if (!prepared) {
    const leading = [...leadingHeaders];
    leading[requestIdValueAt] = "";
    const validators = (coding: "identity" | "gzip") => ["ETag", variantEtag(document, coding), "Last-Modified", document.lastModifiedHeader, "Cache-Control", cacheControl, "Vary", vary];
    prepared = {
      identity: [...leading, "Content-Type", document.contentType, ...validators("identity"), "Content-Length", String(document.body.length)],
      gzip: [...leading, "Content-Type", document.contentType, ...validators("gzip"), "Content-Encoding", "gzip", "Content-Length", String(document.gzip.length)],
      // A 304 carries what the 200 would, less the body's type and coding (as sendIndex sends it).
      notModifiedIdentity: [...leading, ...validators("identity")],
      notModifiedGzip: [...leading, ...validators("gzip")],
      etags: [document.etag, variantEtag(document, "gzip"), variantEtag(document, "bzip2")],
    };
    byWay.set(way, prepared);
  }
  return prepared;
}

/** A prepared list with this request's id in it: one copy, as writeHead may keep what it is given. */
function withRequestId(headers: string[], requestId: string): string[] {
  const copy = headers.slice();
  copy[requestIdValueAt] = requestId;
  return copy;
}

/** RFC 9110 If-None-Match as ifNoneMatchHits decides it, answered without parsing for the usual single ETag. */
function clientHoldsCurrent(request: IncomingMessage, prepared: PreparedAnswers, document: IndexDocument): boolean {
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch === undefined) return notModifiedSince(request, document.lastModified);
  if (typeof ifNoneMatch === "string" && prepared.etags.includes(ifNoneMatch)) return true;
  return ifNoneMatchHits(request, prepared.etags);
}

/**
 * Sends a ready index (RouteDefinition.readyForVisitor) with exactly the status, headers and body sendIndex would
 * send for it, after `leadingHeaders` (["X-Request-Id", "", ...the security headers], as the handler sets
 * them, the request id going where its value is): one writeHead of a prepared list, no promise.
 */
export function sendReadyIndex(request: IncomingMessage, response: ServerResponse, ready: ReadyIndex, requestId: string, leadingHeaders: readonly string[]): void {
  const prepared = prepare(ready, leadingHeaders);
  const gzip = acceptsGzip(request);
  if (clientHoldsCurrent(request, prepared, ready.document)) {
    response.writeHead(304, withRequestId(gzip ? prepared.notModifiedGzip : prepared.notModifiedIdentity, requestId));
    response.end();
    return;
  }
  response.writeHead(200, withRequestId(gzip ? prepared.gzip : prepared.identity, requestId));
  if (isHead(request)) response.end();
  else response.end(gzip ? ready.document.gzip : ready.document.body);
}
