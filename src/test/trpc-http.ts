/**
 * The tRPC endpoint as the route handler serves it (src/server/api/http.ts), called in-process with real Request
 * objects: what the HTTP layer refuses, how errors look on the wire, and which failures the app records as
 * exceptions (in the test database, as the app records them).
 */
import { createTRPCClient, httpBatchLink, httpLink, type TRPCClient } from "@trpc/client";
import superjson from "superjson";
import { createTrpcHttpHandler, type SiteAddress } from "@/server/api/http";
import type { AppRouter } from "@/server/api/root";
import type { SessionControl } from "@/server/api/trpc";
import type { Actor } from "@/server/authz";
import type { Db } from "@/server/db/client";
import { exceptions } from "@/server/db/schema";
import { recordException } from "@/server/services/exceptions";
import { SessionRecorder } from "./caller";
import { testDatabase } from "./db";
import { anonymous } from "./factories";

/** The site the handler believes it is (vitest.config.ts sets PUBLIC_URL to it). */
export const testSite: SiteAddress = { publicOrigin: "http://granary.test", trustProxy: false };
export const trpcUrl = `${testSite.publicOrigin}/api/trpc`;

export interface HandlerOptions {
  /** The caller, whatever the request says (default: an anonymous visitor). */
  actor?: Actor;
  sessions?: SessionControl;
  db?: Db;
  maxBodyBytes?: number;
}

export function trpcHandler(options: HandlerOptions = {}): (request: Request) => Promise<Response> {
  const db = () => options.db ?? testDatabase();
  return createTrpcHttpHandler({
    site: testSite,
    maxBodyBytes: options.maxBodyBytes,
    createContext: async () => ({ db: db(), actor: options.actor ?? anonymous(), sessions: options.sessions ?? new SessionRecorder() }),
    async onInternalError(error, { ctx, request }) {
      const url = new URL(request.url);
      await recordException(db(), error.cause ?? error, {
        route: url.pathname + url.search,
        method: request.method,
        userId: ctx?.actor.kind === "user" ? ctx.actor.user.id : null,
        headers: request.headers,
      });
    },
  });
}

/** The typed client over the in-process handler: one HTTP request per call, or batched like the web client. */
export function trpcClientOverHttp(options: HandlerOptions & { batch?: boolean } = {}): TRPCClient<AppRouter> {
  const handler = trpcHandler(options);
  const link = options.batch ? httpBatchLink : httpLink;
  return createTRPCClient<AppRouter>({
    links: [link({ url: trpcUrl, transformer: superjson, fetch: (input, init) => handler(new Request(input as string, init as RequestInit)) })],
  });
}

/** What the app recorded as unexpected errors, oldest first. */
export async function recordedExceptions(db: Db): Promise<{ message: string; route: string | null }[]> {
  return db.select({ message: exceptions.message, route: exceptions.route }).from(exceptions).orderBy(exceptions.createdAt);
}
