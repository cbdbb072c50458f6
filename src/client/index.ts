/**
 * The typed Granary client for scripts and other TypeScript programs: every tRPC procedure of the server with its
 * input and output types, plus the raw-body upload endpoint, which is plain HTTP rather than tRPC.
 *
 *     const granary = createGranaryClient({ url: "http://localhost:3000", token: process.env.GRANARY_TOKEN });
 *     const me = await granary.account.whoami.query();
 *
 * Only types come from the server (`import type`), so nothing of the server's code or configuration is loaded.
 */
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import { maxTrpcBatchCalls } from "../shared/api-limits";
import type { AppRouter } from "../server/api/root";

export type { AppRouter };
export type GranaryClient = TRPCClient<AppRouter>;
/** `RouterInputs["tokens"]["create"]` and so on: the input and output types of every procedure. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** What a failed call throws: `error.data.code` is the tRPC code, `error.data.fieldErrors` the per-field messages. */
export type GranaryError = TRPCClientError<AppRouter>;
export { TRPCClientError };

export interface GranaryClientOptions {
  /** The server's address, e.g. `http://localhost:3000` (a trailing slash is fine). */
  url: string;
  /** An access token (sent as `Authorization: Bearer`); without it calls are anonymous. */
  token?: string | null;
  /** A username (or e-mail) and password instead of a token, e.g. to create the first token. */
  basic?: { username: string; password: string };
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** A fetch implementation other than the global one. */
  fetch?: typeof fetch;
}

export function normalizeServerUrl(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

export function authorizationHeaders(options: Pick<GranaryClientOptions, "token" | "basic">): Record<string, string> {
  if (options.basic) {
    const encoded = Buffer.from(`${options.basic.username}:${options.basic.password}`, "utf8").toString("base64");
    return { authorization: `Basic ${encoded}` };
  }
  return options.token ? { authorization: `Bearer ${options.token}` } : {};
}

export function createGranaryClient(options: GranaryClientOptions): GranaryClient {
  const headers = { ...options.headers, ...authorizationHeaders(options) };
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${normalizeServerUrl(options.url)}/api/trpc`,
        transformer: superjson,
        maxItems: maxTrpcBatchCalls,
        headers: () => headers,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

/** Narrows an unknown error to a failed Granary call, typed by the router. */
export function isGranaryError(error: unknown): error is GranaryError {
  return error instanceof TRPCClientError;
}

export { computeSha256, uploadFile, UploadError, type UploadedFile, type UploadOptions, type UploadProgress } from "./upload";
