/**
 * The protocol handler alone on a node:http server, for tests and benchmarks that need real clients on a real
 * port without building Next. Requests that are not protocol requests get a plain 404, as Next would give.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
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

export async function startProtocolServer(options: ProtocolHandlerOptions & { port?: number; host?: string }): Promise<ProtocolServer> {
  const handler = createProtocolHandler(options);
  const server = http.createServer({ requestTimeout: uploadRequestTimeout }, (request, response) => {
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
