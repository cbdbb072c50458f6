import "server-only";
import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { cache } from "react";
import { createRequestContext } from "@/server/api/context";
import { createCaller } from "@/server/api/root";

/** The router, called from server components as the current request's actor. */
export const getServerApi = cache(async () => createCaller(await createRequestContext()));

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
