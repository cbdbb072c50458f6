/**
 * The tRPC endpoint over HTTP (`/api/trpc`). What tRPC would accept from anyone is narrowed here before any
 * procedure runs: a mutation comes from the site's own pages or from a script, never from another site's page,
 * and only as JSON (a cross-site form can post multipart or plain text, but not JSON); a body is read only up to
 * a limit, so a huge or endless one costs the server nothing; a batch holds a bounded number of calls. Refusals
 * are answered in tRPC's error shape, so the web client and the typed client read them like any other error.
 * Whatever else a client gets wrong (input that is not JSON or superjson, or not what a procedure takes) is a 4xx
 * from tRPC; only unexpected failures reach `onInternalError`.
 */
import { getTRPCErrorShape, transformTRPCResponse, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError, resolveResponse } from "@trpc/server/http";
import { noteIfDatabaseUnreachable } from "../db/availability";
import { databaseRetryAfterSeconds, isDatabaseBusy, isDatabaseUnreachable } from "../db/errors";
import { maxTrpcBatchCalls, maxTrpcBodyBytes } from "@/shared/api-limits";
import { StorageFullError } from "../storage/storage-full";
import { appRouter } from "./root";
import { toTRPCError, type Context } from "./trpc";

export const trpcEndpoint = "/api/trpc";

export interface SiteAddress {
  /** The site's public origin (PUBLIC_URL), e.g. `https://granary.example.com`. */
  publicOrigin: string;
  /** Whether a reverse proxy sets X-Forwarded-Host, naming the host the browser asked for. */
  trustProxy: boolean;
}

export interface TrpcHttpOptions {
  site: SiteAddress;
  createContext(request: Request): Promise<Context>;
  /** Records an unexpected failure (a client's mistake is never one). */
  onInternalError(error: TRPCError, call: { path: string | undefined; type: string; ctx: Context | undefined; request: Request }): Promise<void>;
  maxBodyBytes?: number;
}

function hostsOfThisSite(headers: Headers, site: SiteAddress): string[] {
  const hosts = [headers.get("host")];
  if (site.trustProxy) hosts.push(headers.get("x-forwarded-host")?.split(",")[0]?.trim() ?? null);
  return hosts.filter((host): host is string => Boolean(host)).map((host) => host.toLowerCase());
}

function isThisSite(url: string, headers: Headers, site: SiteAddress): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.origin === new URL(site.publicOrigin).origin || hostsOfThisSite(headers, site).includes(parsed.host);
}

/**
 * Whether a state-changing request comes from this site's own pages or from a script. Browsers send Origin with
 * every cross-origin request and every POST (and Sec-Fetch-Site, and usually Referer); scripts, the typed client
 * and the CLI send none of them, so a request without any is not a page's.
 */
export function comesFromThisSiteOrAScript(headers: Headers, site: SiteAddress): boolean {
  const origin = headers.get("origin");
  if (origin !== null) return isThisSite(origin, headers, site);
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite !== null) return fetchSite.toLowerCase() === "same-origin";
  const referer = headers.get("referer");
  if (referer !== null) return isThisSite(referer, headers, site);
  return true;
}

function isJson(headers: Headers): boolean {
  return headers.get("content-type")?.split(";", 1)[0]?.trim().toLowerCase() === "application/json";
}

/** The procedure path(s) after the endpoint, as tRPC reads them (it decodes them itself). */
function procedurePath(url: URL): string {
  return url.pathname.slice(trpcEndpoint.length).replace(/^\/+|\/+$/g, "");
}

function batchSize(url: URL): number {
  if (url.searchParams.get("batch") !== "1") return 1;
  let paths = procedurePath(url);
  try {
    paths = decodeURIComponent(paths);
  } catch {
    // tRPC answers bad encoding with a 400 of its own.
  }
  return paths.split(",").length;
}

/** The refusal a request earns before its body is read, or null. */
export function refusalBeforeReading(request: Request, options: Pick<TrpcHttpOptions, "site" | "maxBodyBytes">): TRPCError | null {
  const calls = batchSize(new URL(request.url));
  if (calls > maxTrpcBatchCalls) {
    return new TRPCError({ code: "BAD_REQUEST", message: `A batch holds at most ${maxTrpcBatchCalls} calls; this one has ${calls}.` });
  }
  if (request.method !== "POST") return null;
  if (!comesFromThisSiteOrAScript(request.headers, options.site)) {
    return new TRPCError({ code: "FORBIDDEN", message: "Changes are accepted only from Granary's own pages." });
  }
  if (!isJson(request.headers)) {
    return new TRPCError({ code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the input as JSON (Content-Type: application/json)." });
  }
  const declaredLength = Number(request.headers.get("content-length") ?? 0);
  if (declaredLength > (options.maxBodyBytes ?? maxTrpcBodyBytes)) return bodyTooLarge(options.maxBodyBytes);
  return null;
}

function bodyTooLarge(limit = maxTrpcBodyBytes): TRPCError {
  return new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: `The request is larger than ${Math.round(limit / 1024)} KiB.` });
}

/**
 * Reads a body up to the limit, counting bytes as they arrive (a chunked body declares no length); null once it
 * passes the limit. What the client sends after that is never read into memory.
 */
export async function readBodyWithin(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function refusalResponse(error: TRPCError): Response {
  const config = appRouter._def._config;
  const shape = getTRPCErrorShape({ config, error, type: "unknown", path: undefined, input: undefined, ctx: undefined });
  return new Response(JSON.stringify(transformTRPCResponse(config, { error: shape })), {
    status: getHTTPStatusCodeFromError(error),
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export function createTrpcHttpHandler(options: TrpcHttpOptions): (request: Request) => Promise<Response> {
  const limit = options.maxBodyBytes ?? maxTrpcBodyBytes;
  return async (request) => {
    const refusal = refusalBeforeReading(request, options);
    if (refusal) return refusalResponse(refusal);
    let bounded = request;
    if (request.method === "POST") {
      const body = await readBodyWithin(request, limit);
      if (!body) return refusalResponse(bodyTooLarge(limit));
      bounded = new Request(request.url, { method: request.method, headers: request.headers, body });
    }
    return resolveResponse({
      router: appRouter,
      req: bounded,
      path: procedurePath(new URL(bounded.url)),
      error: null,
      // Reading the session needs the database too: when it is away that is a 503 like a procedure's.
      createContext: () => options.createContext(bounded).catch((error: unknown) => Promise.reject(toTRPCError(error))),
      async onError({ error, path, type, ctx }) {
        if (noteIfDatabaseUnreachable(error.cause)) return;
        if (error.code === "INTERNAL_SERVER_ERROR") await options.onInternalError(error, { path, type, ctx, request: bounded });
      },
      responseMeta({ errors }) {
        // tRPC has no code of its own for a full disk (errors.ts, trpcCodeOf): the status says it.
        if (errors.some((error) => error.cause instanceof StorageFullError)) return { status: 507 };
        return errors.some((error) => isDatabaseUnreachable(error.cause) || isDatabaseBusy(error.cause)) ? { headers: { "Retry-After": String(databaseRetryAfterSeconds) } } : {};
      },
    });
  };
}
