/**
 * The package-protocol handler: conda channels, the PyPI simple API, downloads and uploads, answered by plain
 * node:http code in front of Next inside the launcher's server, so package clients never pay Next's overhead.
 * `handle` decides synchronously whether a request is a protocol request; if not it resolves false at once and
 * the launcher hands the request to Next.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ZodError } from "zod";
import { env, publicUrl } from "@/env";
import { anonymousActor, assertCan, assertWritable, can, canSeeOwner, knownAudience, refusedWhileReadOnly, type Actor } from "../authz";
import type { Db } from "../db";
import { noteIfDatabaseUnreachable } from "../db/availability";
import { databaseBusyMessage, databaseRetryAfterSeconds, databaseUnreachableMessage, isDatabaseBusy } from "../db/errors";
import { AppError, httpStatusOf } from "../errors";
import { giveRequestId, requestIdHeader } from "../request-id";
import { createDownloadCounter } from "../services/downloads";
import { isSiteReadOnly } from "../services/site-mode";
import { recordException } from "../services/exceptions";
import { protocolSecurityHeadersOver, servedOverHttps, setHeaders, type SecurityHeaderSettings } from "../security-headers";
import type { ChangeListener } from "../services/change-listener";
import type { VerifiedTokenCache } from "../services/token-cache";
import type { TokenCheckRow } from "../services/token-checks";
import { asStorageFullError, maxUploadBytes, type BlobStore } from "../storage";
import { reportStorageFull } from "../services/storage-full-reports";
import { ChannelDirectory } from "./channel-directory";
import { indexCacheControl, visitorAudience, type ProtocolServices, type ReadyIndex, type RequestContext } from "./context";
import { CredentialResolver, sentCsrfHeader } from "./credentials";
import { basicChallenge, originOf, reasonPhrase, sendBuffer } from "./http";
import { errorContext, logTo } from "../logging/logger";
import { StaticUrlSetting } from "../services/general-settings";
import { IndexCache } from "./index-cache";
import { matchProtocolPath, type RouteMatch } from "./match";
import { pathTokenHeader, pathTokenOf, takePathToken } from "./path-token";
import { permissionFor, protocolRoutes, routeFor } from "./routes";
import { sendReadyIndex } from "./send-index";
import { condaUploadStatus, twineUploadStatus } from "./uploads";

export { hasMalformedPathEncoding, matchProtocolPath } from "./match";
export { pathTokenHeader, takePathToken } from "./path-token";
export { protocolRoutes } from "./routes";
export { startProtocolServer, type ProtocolServer } from "./server";

export interface ProtocolHandlerOptions {
  db: Db;
  store: BlobStore;
  /** The clock for download days; tests move it. */
  now?: () => Date;
  /** Signs the web app's session cookies (AUTH_SECRET by default). */
  authSecret?: string;
  maxUploadBytes?: number;
  downloadFlushIntervalMs?: number;
  basicCacheMilliseconds?: number;
  /** How long an owner's channel revision is remembered (see channel-directory.ts); 0 reads it on every request. */
  channelMemoMilliseconds?: number;
  /** The process's change listener, started and closed by the caller: remembered channels are forgotten on change. */
  changes?: ChangeListener;
  /** Tokens verified recently (services/token-cache.ts), started and closed by the caller. */
  tokenCache?: VerifiedTokenCache<TokenCheckRow>;
  /** Whether answers go out over HTTPS (PUBLIC_URL and TRUST_PROXY by default), for the security headers. */
  securityHeaders?: SecurityHeaderSettings;
}

export interface ProtocolHandler {
  /**
   * Answers a protocol request: true when it was answered at once (a visitor's index from memory), a promise of
   * true when the answer is under way; false, without touching the response beyond its X-Request-Id, for anything
   * else (the launcher hands it to Next).
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean | Promise<true>;
  /** Writes counted downloads now. */
  flush(): Promise<void>;
  /** Stops timers and writes what is left; the database connection belongs to the caller. */
  close(): Promise<void>;
  /** The caches and counters, for tests and diagnostics. */
  readonly services: ProtocolServices;
  /** Requests answered from memory without a promise (answerFromMemory), for tests and diagnostics. */
  readonly answeredFromMemory: number;
}

/** When a client told "busy" (503) should come back. */
const busyRetryAfterSeconds = 5;

class MethodNotAllowedError extends AppError {
  constructor(readonly allow: string) {
    super("BAD_REQUEST", `Use ${allow} here.`);
  }
}

/** After an early answer (401, 413, ...) the unread body is drained, so the client reads the answer, not a reset. */
const drainLimitMilliseconds = 30_000;

/** GET or HEAD without a body: a read the index routes may answer from memory. */
function isBodilessRead(request: IncomingMessage): boolean {
  const method = request.method;
  if (method !== "GET" && method !== "HEAD") return false;
  return request.headers["content-length"] === undefined && request.headers["transfer-encoding"] === undefined;
}

/**
 * Whether the request carries credentials of a kind the index routes read (their session cookie policy is
 * "ignored"); without any it is a visitor's, answered as the anonymous actor.
 */
function sendsCredentials(request: IncomingMessage): boolean {
  const { headers } = request;
  return headers.authorization !== undefined || headers["x-api-key"] !== undefined || headers[pathTokenHeader] !== undefined;
}

/**
 * What answerFromMemory learned of a request it left to the long way: the actor behind its credentials, found (or
 * being found) once, or why they were refused. The long way goes on from there rather than checking them again.
 */
type CredentialsFound = { actor: Actor | Promise<Actor> } | { refusal: unknown };

/** How an index is sent to a reader who sees private packages too: never kept by a shared cache. */
const readerCacheControl = indexCacheControl({ audience: "everything" });

/** Recognized protocol paths by request target, so a client asking for the same index again is not parsed again. */
const matchesKept = 2_000;
const longestKeptTarget = 512;

function drainUnreadBody(request: IncomingMessage): void {
  if (request.complete || request.destroyed) return;
  request.unpipe();
  request.resume();
  const timer = setTimeout(() => request.destroy(), drainLimitMilliseconds);
  timer.unref();
  request.once("end", () => clearTimeout(timer));
  request.once("close", () => clearTimeout(timer));
}

export function createProtocolHandler(options: ProtocolHandlerOptions): ProtocolHandler {
  const now = options.now ?? (() => new Date());
  const headerSettings = options.securityHeaders ?? { publicUrl: publicUrl(), trustProxy: env.TRUST_PROXY > 0 };
  const services: ProtocolServices = {
    db: options.db,
    store: options.store,
    indexes: new IndexCache(),
    channels: new ChannelDirectory(options.db, { memoMilliseconds: options.channelMemoMilliseconds, changes: options.changes }),
    credentials: new CredentialResolver(options.db, {
      authSecret: options.authSecret ?? env.AUTH_SECRET,
      basicCacheMilliseconds: options.basicCacheMilliseconds,
      tokenCache: options.tokenCache,
    }),
    downloads: createDownloadCounter(options.db, {
      flushIntervalMs: options.downloadFlushIntervalMs,
      now,
      onError: (error) => {
        if (!noteIfDatabaseUnreachable(error)) void recordException(options.db, error, { route: "download counter", method: null });
      },
    }),
    maxUploadBytes: options.maxUploadBytes ?? maxUploadBytes(),
    staticUrl: new StaticUrlSetting(options.db),
    now,
  };

  // The headers every protocol answer starts with (handle sets them on the slow path), over HTTP and HTTPS, the
  // request id's value left for each answer.
  const leadingHeaderLists = [false, true].map((https) => ["X-Request-Id", "", ...protocolSecurityHeadersOver(https).flat()]);
  // The routes the fast path answers, with the one permission each asks for (assertCan's check, made here).
  const fastPermissions = new Map(
    Object.entries(protocolRoutes).flatMap(([name, route]) => (route.readyForVisitor && typeof route.permission === "string" ? [[name, route.permission]] : [])),
  );
  // Of those, the routes a visitor may use at all.
  const visitorMayUse = new Set([...fastPermissions].filter(([, permission]) => can(anonymousActor(), permission)).map(([name]) => name));
  const matches = new Map<string, RouteMatch>();
  let answeredFromMemory = 0;

  function recognize(target: string): RouteMatch | null {
    const known = matches.get(target);
    if (known) return known;
    let match: RouteMatch | null;
    try {
      match = matchProtocolPath(target);
    } catch {
      return null;
    }
    if (match && target.length <= longestKeptTarget) {
      if (matches.size >= matchesKept) matches.clear();
      matches.set(target, match);
    }
    return match;
  }

  /**
   * An index answered from memory, without a promise, when everything it needs is there: a visitor's, or the same
   * document for a reader whose credentials the process verified recently (a remembered token) and who would be sent
   * exactly what a visitor is (RouteDefinition.visitorIndexIsEveryReaders, or an audience the policy knows is a
   * visitor's). True when answered; otherwise the credentials it found, if it looked, for the long way.
   */
  function answerFromMemory(request: IncomingMessage, response: ServerResponse, match: RouteMatch, requestId: string): boolean | CredentialsFound {
    const permission = fastPermissions.get(match.route);
    if (permission === undefined || !isBodilessRead(request)) return false;
    const route = routeFor(match);
    // As in answer: the table pairs each route with its parameters' type.
    const readyForVisitor = route.readyForVisitor as (services: ProtocolServices, request: IncomingMessage, params: unknown) => ReadyIndex | undefined;
    let ready: ReadyIndex | undefined;
    if (!sendsCredentials(request)) {
      if (!visitorMayUse.has(match.route)) return false;
      ready = readyForVisitor(services, request, match.params);
      if (!ready) return false;
    } else {
      let actor: Actor | Promise<Actor>;
      try {
        actor = services.credentials.actorFor(request, route.sessionCookie);
      } catch (refusal) {
        return { refusal };
      }
      if (actor instanceof Promise || !can(actor, permission)) return { actor };
      ready = readyForVisitor(services, request, match.params);
      // requireChannel's check: a token restricted to another owner's channel finds nothing here.
      if (!ready || !canSeeOwner(actor, ready.ownerId)) return { actor };
      const seesWhatVisitorsSee = knownAudience(actor, ready.ownerId) === visitorAudience;
      if (!seesWhatVisitorsSee && !route.visitorIndexIsEveryReaders) return { actor };
      // As the long way sends it to this reader: an answer to credentials that may reach private packages is private.
      if (!seesWhatVisitorsSee) ready = { ...ready, cacheControl: readerCacheControl };
    }
    try {
      sendReadyIndex(request, response, ready, requestId, leadingHeaderLists[servedOverHttps(request, headerSettings) ? 1 : 0]!);
    } catch {
      // Nothing here should throw; if something does, the long way answers (or, once started, the answer is cut).
      if (!response.headersSent) return false;
      response.destroy();
    }
    answeredFromMemory += 1;
    return true;
  }

  async function answer(request: IncomingMessage, response: ServerResponse, match: RouteMatch, credentials?: CredentialsFound): Promise<void> {
    const route = routeFor(match);
    let context: RequestContext | undefined;
    try {
      const method = request.method ?? "GET";
      if (!(route.methods as readonly string[]).includes(method)) throw new MethodNotAllowedError(route.methods.join(", "));
      if (credentials && "refusal" in credentials) throw credentials.refusal;
      const found = credentials
        ? credentials.actor
        : route.credentials === "ignored"
          ? anonymousActor(originOf(request))
          : services.credentials.actorFor(request, route.sessionCookie);
      // Most package requests know their actor without waiting (anonymous, or a remembered token): no await for those.
      const actor = found instanceof Promise ? await found : found;
      const permission = permissionFor(match);
      assertCan(actor, permission);
      // Uploads while the site is read-only: refused before the body is read. Downloads never ask.
      if (refusedWhileReadOnly(permission)) assertWritable(permission, await isSiteReadOnly(services.db));
      const queryStart = request.url?.indexOf("?") ?? -1;
      context = {
        request,
        response,
        query: new URLSearchParams(queryStart === -1 ? "" : request.url!.slice(queryStart + 1)),
        actor,
        services,
        pathToken: pathTokenOf(request),
      };
      // The table pairs each route with its parameters' type; the match carries exactly those parameters.
      await (route.handle as (context: RequestContext, params: unknown) => Promise<void>)(context, match.params);
    } catch (error) {
      try {
        await writeError(request, response, match, error, context);
      } catch {
        // Writing the error failed too (the client is gone): nothing is left to tell anyone.
        response.destroy();
      }
    } finally {
      drainUnreadBody(request);
    }
  }

  /**
   * A full disk (507, reported to administrators once per episode) and a database with no connection left (503) are
   * answered as what they are, not as failures of Granary's code.
   */
  async function recognizeShortages(request: IncomingMessage, error: unknown): Promise<unknown> {
    const full = asStorageFullError(error);
    if (full) {
      await reportStorageFull(services.db, services.store, full, { route: request.url ?? null, method: request.method ?? null, headers: request.headers });
      return full;
    }
    if (isDatabaseBusy(error)) return new AppError("SERVICE_UNAVAILABLE", databaseBusyMessage);
    return error;
  }

  /** A 5xx: the Exceptions page and the System logs' "api errors" tab both hear of it. */
  async function recordServerError(request: IncomingMessage, error: unknown, userId: string | null) {
    const route = request.url ?? null;
    const method = request.method ?? null;
    const message = error instanceof Error ? error.message : String(error);
    await Promise.all([
      recordException(services.db, error, { route, method, userId, headers: request.headers }),
      logTo(services.db, {
        level: "error",
        category: "api_errors",
        message: `${method ?? "?"} ${route ?? "?"} failed: ${message}`,
        context: { route, method, userId, ...errorContext(error) },
        requestId: (request.headers[requestIdHeader] as string | undefined) ?? null,
      }),
    ]);
  }

  async function writeError(request: IncomingMessage, response: ServerResponse, match: RouteMatch, thrown: unknown, context: RequestContext | undefined) {
    const error = await recognizeShortages(request, thrown);
    if (response.headersSent) {
      // Mid-stream (a file vanished, the disk failed): all that is left is to cut the response short.
      if (!(error instanceof AppError) && !noteIfDatabaseUnreachable(error)) await recordServerError(request, error, null);
      response.destroy();
      return;
    }
    const route = routeFor(match);
    let status = 500;
    let message = "The server failed to answer this request; the error has been recorded.";
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    if (error instanceof MethodNotAllowedError) {
      status = 405;
      message = error.message;
      headers.Allow = error.allow;
    } else if (error instanceof ZodError) {
      // A service's input schema refused something the client sent (a label, a name): the client's mistake.
      status = 400;
      message = error.issues[0]?.message ?? "The request is not valid.";
    } else if (error instanceof AppError) {
      status =
        (match.route === "condaUpload" ? condaUploadStatus(error) : match.route === "twineUpload" ? twineUploadStatus(error) : undefined) ??
        httpStatusOf[error.code];
      message = error.message;
      // A browser's XMLHttpRequest would pop up a password dialog on a Basic challenge; the web UI handles 401 itself.
      if (status === 401 && !sentCsrfHeader(request)) headers["WWW-Authenticate"] = basicChallenge;
    } else if (noteIfDatabaseUnreachable(error)) {
      // The database is away (the embedded one restarting): worth retrying, and not an exception of its own.
      status = 503;
      message = databaseUnreachableMessage;
      headers["Retry-After"] = String(databaseRetryAfterSeconds);
    } else {
      await recordServerError(request, error, context?.actor.kind === "user" ? context.actor.user.id : null);
    }
    if (status === 503 && !headers["Retry-After"]) headers["Retry-After"] = String(busyRetryAfterSeconds);
    response.statusMessage = reasonPhrase(message);
    if (route.errorFormat === "json") {
      sendBuffer(request, response, status, { ...headers, "Content-Type": "application/json; charset=utf-8" }, JSON.stringify({ error: message }));
    } else {
      sendBuffer(request, response, status, { ...headers, "Content-Type": "text/plain; charset=utf-8" }, `${message}\n`);
    }
  }

  return {
    services,
    get answeredFromMemory() {
      return answeredFromMemory;
    },
    handle(request, response) {
      // Every request passes here first, the ones Next answers too.
      const requestId = giveRequestId(request);
      // The launcher has usually done this already; run alone (tests, benchmarks), the handler does it itself.
      takePathToken(request);
      const match = recognize(request.url ?? "/");
      if (!match) {
        response.setHeader("X-Request-Id", requestId);
        return false;
      }
      const fromMemory = answerFromMemory(request, response, match, requestId);
      if (fromMemory === true) return true;
      response.setHeader("X-Request-Id", requestId);
      setHeaders(response, protocolSecurityHeadersOver(servedOverHttps(request, headerSettings)));
      return answer(request, response, match, fromMemory || undefined).then(() => true as const);
    },
    flush: () => services.downloads.flush(),
    close: () => {
      services.channels.close();
      services.staticUrl.close();
      return services.downloads.close();
    },
  };
}
