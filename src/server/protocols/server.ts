/**
 * The protocol handler alone on a node:http server, for tests and benchmarks that need real clients on a real
 * port without building Next. Requests that are not protocol requests get a plain 404, as Next would give.
 */
import type { AddressInfo } from "node:net";
import { env } from "@/env";
import { decideClientAddress } from "../client-address";
import { createLimitedServer, httpLimits, type HttpLimits } from "../http-limits";
import { createProtocolHandler, type ProtocolHandler, type ProtocolHandlerOptions } from "./index";

export interface ProtocolServer {
  /** http://127.0.0.1:<port>, without a trailing slash. */
  url: string;
  port: number;
  handler: ProtocolHandler;
  close(): Promise<void>;
}

export interface ProtocolServerOptions extends ProtocolHandlerOptions {
  port?: number;
  host?: string;
  /** How many reverse proxies to trust in X-Forwarded-For (TRUST_PROXY by default), as the launcher would. */
  trustedProxies?: number;
  /** Timeouts and per-client limits, the environment's (as the launcher's) unless given. */
  limits?: Partial<HttpLimits>;
}

export async function startProtocolServer(options: ProtocolServerOptions): Promise<ProtocolServer> {
  const handler = createProtocolHandler(options);
  const trustedProxies = options.trustedProxies ?? env.TRUST_PROXY;
  const server = createLimitedServer(httpLimits({ trustedProxies, ...options.limits }), (request, response) => {
    // As the launcher does, before anything reads the address.
    decideClientAddress(request, trustedProxies);
    const handled = handler.handle(request, response);
    if (handled === false) {
      response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      response.end("Not a protocol path.\n");
    }
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    handler,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await handler.close();
    },
  };
}
