/**
 * The protocol handler alone on a node:http server, for tests and benchmarks that need real clients on a real
 * port without building Next. Requests that are not protocol requests get a plain 404, as Next would give.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { env } from "@/env";
import { decideClientAddress } from "../client-address";
import { createProtocolHandler, type ProtocolHandler, type ProtocolHandlerOptions } from "./index";

/**
 * Node ends any request still running after 5 minutes by default, which would cut off a large upload on a
 * slow link; headersTimeout still stops clients that never finish sending headers.
 */
export const uploadRequestTimeout = 60 * 60 * 1000;

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
}

export async function startProtocolServer(options: ProtocolServerOptions): Promise<ProtocolServer> {
  const handler = createProtocolHandler(options);
  const server = http.createServer({ requestTimeout: uploadRequestTimeout }, (request, response) => {
    // As the launcher does, before anything reads the address.
    decideClientAddress(request, options.trustedProxies ?? env.TRUST_PROXY);
    void handler.handle(request, response).then((handled) => {
      if (handled) return;
      response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      response.end("Not a protocol path.\n");
    });
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
