/**
 * The tRPC endpoint over HTTP (`/api/trpc`): tRPC's own request handling, with unexpected failures recorded. A
 * client's mistake (input that is not JSON, not superjson, or not what the procedure takes) is a 4xx and never
 * an exception.
 */
import type { TRPCError } from "@trpc/server";
import { resolveResponse } from "@trpc/server/http";
import { appRouter } from "./root";
import type { Context } from "./trpc";

export const trpcEndpoint = "/api/trpc";

export interface TrpcHttpOptions {
  createContext(request: Request): Promise<Context>;
  /** Records an unexpected failure (a client's mistake is never one). */
  onInternalError(error: TRPCError, call: { path: string | undefined; type: string; ctx: Context | undefined }): Promise<void>;
}

/** The procedure path(s) after the endpoint, as tRPC reads them (it decodes them itself). */
function procedurePath(url: URL): string {
  return url.pathname.slice(trpcEndpoint.length).replace(/^\/+|\/+$/g, "");
}

export function createTrpcHttpHandler(options: TrpcHttpOptions): (request: Request) => Promise<Response> {
  return async (request) =>
    resolveResponse({
      router: appRouter,
      req: request,
      path: procedurePath(new URL(request.url)),
      error: null,
      createContext: () => options.createContext(request),
      async onError({ error, path, type, ctx }) {
        if (error.code === "INTERNAL_SERVER_ERROR") await options.onInternalError(error, { path, type, ctx });
      },
    });
}
