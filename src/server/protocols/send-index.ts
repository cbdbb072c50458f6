import { AppError } from "../errors";
import type { RequestContext } from "./context";
import { acceptsGzip, ifNoneMatchHits, notModifiedSince, sendBuffer } from "./http";
import { bzip2Of, variantEtag, type IndexEntry } from "./index-cache";

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
