import "server-only";
import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { cache } from "react";
import { createRequestContext } from "@/server/api/context";
import { createCaller } from "@/server/api/root";
import { withVisitorCache } from "./visitor-cache";

/**
 * The router, called from server components as the current request's actor; for a visitor who is not signed in,
 * what is public comes from Next's data cache (visitor-cache.ts).
 */
export const getServerApi = cache(async () => {
  const context = await createRequestContext();
  const caller = createCaller(context);
  return context.actor.kind === "anonymous" ? withVisitorCache(caller) : caller;
});

/**
 * For a call's `.catch`: what the router says does not exist (or may not be seen, which answers the same) is the
 * page's 404, and so is a path naming something no name can be (control characters, a name far too long); any
 * other failure stays an error.
 */
export function notFoundWhenMissing(error: unknown): never {
  if (error instanceof TRPCError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
  throw error;
}

/** For a call's `.catch` where a missing thing is an answer, not an error: null for NOT_FOUND, any other failure thrown. */
export function nullWhenMissing(error: unknown): null {
  if (error instanceof TRPCError && error.code === "NOT_FOUND") return null;
  throw error;
}
