/**
 * What one slow or greedy client can take from everyone else, bounded on both HTTP servers (the launcher's and the
 * protocol handler's own, server.ts):
 *
 * - Time. Headers must arrive within HTTP_HEADERS_TIMEOUT_SECONDS, however slowly they trickle in; a connection
 *   that sends nothing for HTTP_IDLE_TIMEOUT_SECONDS in the middle of a request (an upload that stalled) is dropped,
 *   and the upload's temporary file goes with it (storage/blob-store.ts); an idle keep-alive connection is closed
 *   after HTTP_KEEP_ALIVE_TIMEOUT_SECONDS; a whole request may last HTTP_REQUEST_TIMEOUT_SECONDS, long enough for a
 *   large upload on a slow link. A request whose body has fully arrived is not timed while Granary works out the
 *   answer (checking a large package): the silence is then Granary's, not the client's.
 * - Connections. One client address (decided as client-address.ts decides it, an IPv6 /64 counting as one) holds at
 *   most MAX_CONNECTIONS_PER_CLIENT at once. Without trusted proxies the connection's own address is the client's,
 *   so the cap applies as connections arrive, before they have sent a byte: one answered 429 at once and closed,
 *   which a client holding hundreds of connections open byte by byte cannot get around. Behind trusted proxies
 *   every connection comes from a proxy, so the cap counts requests in flight per forwarded address instead.
 */
import http from "node:http";
import type { Socket } from "node:net";
import { env } from "@/env";
import { canonicalAddress, decideClientAddress, throttlingAddress, unknownAddress } from "./client-address";

export interface HttpLimits {
  headersTimeoutSeconds: number;
  idleTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  /** 0 turns the cap off. */
  maxConnectionsPerClient: number;
  /** Reverse proxies in front (TRUST_PROXY), which decide how a client's address is known. */
  trustedProxies: number;
}

export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  return {
    headersTimeoutSeconds: env.HTTP_HEADERS_TIMEOUT_SECONDS,
    idleTimeoutSeconds: env.HTTP_IDLE_TIMEOUT_SECONDS,
    keepAliveTimeoutSeconds: env.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
    requestTimeoutSeconds: env.HTTP_REQUEST_TIMEOUT_SECONDS,
    maxConnectionsPerClient: env.MAX_CONNECTIONS_PER_CLIENT,
    trustedProxies: env.TRUST_PROXY,
    ...overrides,
  };
}

/** How soon a client refused for holding too many connections may try again. */
const retryAfterSeconds = 5;
const refusalMessage = "Too many connections from your address at once: close some, or try again in a few seconds.\n";

function refusalOnTheWire(): string {
  const body = Buffer.from(refusalMessage, "utf8");
  return [
    "HTTP/1.1 429 Too Many Requests",
    `Retry-After: ${retryAfterSeconds}`,
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${body.length}`,
    "Connection: close",
    "",
    refusalMessage,
  ].join("\r\n");
}

/** Counts what each client address holds; forgets an address once it holds nothing. */
class PerClientCount {
  private readonly held = new Map<string, number>();

  take(client: string): number {
    const count = (this.held.get(client) ?? 0) + 1;
    this.held.set(client, count);
    return count;
  }

  give(client: string): void {
    const count = (this.held.get(client) ?? 1) - 1;
    if (count <= 0) this.held.delete(client);
    else this.held.set(client, count);
  }
}

/**
 * An http.Server answering with `handler` within the limits. The handler decides each request's client address
 * itself (client-address.ts), first thing, as the launcher does: only the per-request cap needs it here.
 */
export function createLimitedServer(limits: HttpLimits, handler: http.RequestListener): http.Server {
  // Node refuses a headers deadline past the whole request's.
  const headersTimeout = Math.min(limits.headersTimeoutSeconds, limits.requestTimeoutSeconds) * 1000;
  const cap = limits.maxConnectionsPerClient;
  const countsConnections = cap > 0 && limits.trustedProxies <= 0;
  const countsRequests = cap > 0 && limits.trustedProxies > 0;
  const connections = new PerClientCount();
  const requests = new PerClientCount();
  // The request each connection is answering (or answered last), for the idle timeout to tell a silent client from a busy server.
  const refused = new WeakSet<Socket>();
  const answering = new WeakMap<Socket, { request: http.IncomingMessage; response: http.ServerResponse }>();

  const server = http.createServer(
    {
      headersTimeout,
      requestTimeout: limits.requestTimeoutSeconds * 1000,
      keepAliveTimeout: limits.keepAliveTimeoutSeconds * 1000,
      // Node looks for connections past their headers or request deadline this often (30 s by default, which would
      // let a header deadline of a few seconds run on for half a minute).
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, headersTimeout / 4)),
    },
    (request, response) => {
      if (countsConnections && refused.has(request.socket)) {
        // Sent before the refusal reached the client: not answered.
        request.socket.destroy();
        return;
      }
      if (countsRequests) {
        const client = throttlingAddress(decideClientAddress(request, limits.trustedProxies));
        if (requests.take(client) > cap) {
          requests.give(client);
          response.shouldKeepAlive = false;
          response.writeHead(429, { "Retry-After": String(retryAfterSeconds), "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }).end(refusalMessage);
          request.resume();
          return;
        }
        response.once("close", () => requests.give(client));
      }
      // Replaced by the connection's next request; an answered one left here is told apart by headersSent.
      answering.set(request.socket, { request, response });
      handler(request, response);
    },
  );

  // Inactivity on a connection, in or between requests (between them, Node sets the keep-alive timeout instead).
  server.timeout = limits.idleTimeoutSeconds * 1000;
  server.on("timeout", (socket: Socket) => {
    const exchange = answering.get(socket);
    if (exchange && exchange.request.complete && !exchange.response.headersSent) return;
    socket.destroy();
  });

  if (countsConnections) {
    server.on("connection", (socket: Socket) => {
      const client = throttlingAddress((socket.remoteAddress && canonicalAddress(socket.remoteAddress)) || unknownAddress);
      if (connections.take(client) > cap) {
        connections.give(client);
        refused.add(socket);
        // Answered before the client has said anything: whatever it sends next is not read.
        socket.end(refusalOnTheWire());
        socket.setTimeout(retryAfterSeconds * 1000, () => socket.destroy());
        return;
      }
      socket.once("close", () => connections.give(client));
    });
  }
  return server;
}
