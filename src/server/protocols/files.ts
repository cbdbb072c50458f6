/**
 * Serving stored files: streamed from disk (never buffered), with validators (ETag = the sha256, Last-Modified =
 * the upload time), conditional requests (304), single byte ranges (206 / 416) and HEAD, as package clients and
 * download managers resume and revalidate.
 */
import { AppError } from "../errors";
import type { RequestContext } from "./context";
import { headerValue, httpDate, ifNoneMatchHits, isHead, notModifiedSince, sendBuffer } from "./http";

export interface StoredFile {
  id: string;
  filename: string;
  sha256: string;
  size: number;
  createdAt: Date;
  isPrivate: boolean;
}

const contentTypes: [suffix: string, type: string][] = [
  [".tar.bz2", "application/x-bzip2"],
  [".tar.gz", "application/gzip"],
  [".conda", "application/octet-stream"],
  [".whl", "application/zip"],
  [".zip", "application/zip"],
  [".ipynb", "application/x-ipynb+json"],
  [".yml", "application/yaml"],
  [".yaml", "application/yaml"],
  [".json", "application/json"],
  [".txt", "text/plain; charset=utf-8"],
];

export function contentTypeFor(filename: string): string {
  const lower = filename.toLowerCase();
  return contentTypes.find(([suffix]) => lower.endsWith(suffix))?.[1] ?? "application/octet-stream";
}

/** Public files may sit in shared caches for a while; a file can be replaced (--force), so not forever. */
export function cacheControlFor(isPrivate: boolean): string {
  return isPrivate ? "private, no-cache" : "public, max-age=300";
}

type ByteRange = { start: number; end: number };

/**
 * One `bytes=` range, resolved against the size. Null means "serve the whole file": no Range, a malformed
 * one, or several ranges (which RFC 9110 lets a server ignore). "unsatisfiable" means 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!match) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/** If-Range: the range applies only while the client's validator still names this file. */
function rangeStillApplies(context: RequestContext, etag: string, lastModified: Date): boolean {
  const ifRange = headerValue(context.request, "if-range");
  if (!ifRange) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith("W/")) return ifRange === etag;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000);
}

export interface ServeOptions {
  contentType?: string;
  /** Browsers save rather than render (notebooks, environments): never treat uploaded bytes as a page. */
  attachment?: boolean;
  /** Counts the download (a GET of the whole file or of its first bytes; revalidations and resumes do not count). */
  countDownload?: boolean;
}

export async function serveStoredFile(context: RequestContext, file: StoredFile, options: ServeOptions = {}): Promise<void> {
  const { request, response, services } = context;
  const etag = `"${file.sha256}"`;
  const lastModified = new Date(Math.floor(file.createdAt.getTime() / 1000) * 1000);
  const headers: Record<string, string | number> = {
    ETag: etag,
    "Last-Modified": httpDate(lastModified),
    "Cache-Control": cacheControlFor(file.isPrivate),
    "Accept-Ranges": "bytes",
    "X-Content-Type-Options": "nosniff",
  };
  if (file.isPrivate) headers.Vary = "Authorization, Cookie";

  if (ifNoneMatchHits(request, [etag]) || notModifiedSince(request, lastModified)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }

  headers["Content-Type"] = options.contentType ?? contentTypeFor(file.filename);
  if (options.attachment) headers["Content-Disposition"] = `attachment; filename="${file.filename.replace(/["\\]/g, "_")}"`;

  let range = parseRange(headerValue(request, "range"), file.size);
  if (range !== null && !rangeStillApplies(context, etag, lastModified)) range = null;
  if (range === "unsatisfiable") {
    sendBuffer(request, response, 416, { ...headers, "Content-Type": "text/plain; charset=utf-8", "Content-Range": `bytes */${file.size}` }, "The requested range is outside the file.\n");
    return;
  }

  const status = range ? 206 : 200;
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${file.size}`;
  headers["Content-Length"] = range ? range.end - range.start + 1 : file.size;

  // Headers go out only once the file is open. Bytes that are gone (the file was deleted a moment ago, or the store
  // lost them) mean the file is not there: 404, as for any missing file.
  const reader = await services.store.openReader(file.sha256).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new AppError("NOT_FOUND", `There is no ${file.filename} here.`);
    throw error;
  });
  if (isHead(request)) {
    await reader.close();
    response.writeHead(status, headers);
    response.end();
    return;
  }
  if (options.countDownload && (!range || range.start === 0)) services.downloads.record(file.id);
  response.writeHead(status, headers);
  // A client that hangs up mid-download is not a server error: copyTo just stops.
  await reader.copyTo(response, range ?? undefined);
}
