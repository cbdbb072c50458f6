/**
 * tRPC's foundation: the context every procedure receives, the permission every procedure declares in its
 * meta, and the mapping from the service layer's AppError to tRPC codes and form field errors.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { assertCan, assertWritable, refusedWhileReadOnly, type Actor, type Permission } from "../authz";
import type { Db } from "../db";
import { noteIfDatabaseBusy, noteIfDatabaseUnreachable } from "../db/availability";
import { databaseBusyMessage, databaseUnreachableMessage } from "../db/errors";
import { AppError, trpcCodeOf } from "../errors";
import type { BrowserSession } from "../services/account-records";
import { isSiteReadOnly } from "../services/site-mode";
import { reportStorageFull } from "../services/storage-full-reports";
import { asStorageFullError, getBlobStore } from "../storage";

/** Starting and ending the caller's browser session: cookies in the app, a recorder in tests. */
export interface SessionControl {
  start(session: BrowserSession): Promise<void>;
  end(): Promise<void>;
}

export interface Context {
  db: Db;
  actor: Actor;
  sessions: SessionControl;
}

export interface Meta {
  /** The permission the caller needs. Every procedure declares one; a test walks the router to make sure. */
  permission: Permission;
}

export type FieldErrors = Record<string, string>;

function fieldErrorsOf(cause: unknown): FieldErrors | undefined {
  if (cause instanceof AppError) return cause.fieldErrors;
  if (cause instanceof ZodError) {
    const fields: FieldErrors = {};
    for (const issue of cause.issues) {
      const key = issue.path.join(".") || "form";
      fields[key] ??= issue.message;
    }
    return fields;
  }
  return undefined;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const internal = error.code === "INTERNAL_SERVER_ERROR";
      const zodCause = error.cause instanceof ZodError ? error.cause : undefined;
      const message = internal
        ? "Something went wrong on our side. It has been recorded; please try again."
        : (zodCause?.issues[0]?.message ?? shape.message);
      return {
        ...shape,
        message,
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, fieldErrors: fieldErrorsOf(error.cause) },
      };
    },
  });

export const createCallerFactory = t.createCallerFactory;
export const router = t.router;

export function toTRPCError(error: unknown): unknown {
  // The database is away (the embedded one restarting): 503, for the client to retry, rather than an internal error.
  // Noted at once, while a page calling this procedure has yet to write its status, so the launcher answers 503.
  if (noteIfDatabaseUnreachable(error)) return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: databaseUnreachableMessage, cause: error });
  // Out of connections ("too many clients"): busy, not broken; the client is asked to come back as for an outage.
  if (noteIfDatabaseBusy(error)) return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: databaseBusyMessage, cause: error });
  if (error instanceof AppError) return new TRPCError({ code: trpcCodeOf(error.code), message: error.message, cause: error });
  if (error instanceof ZodError) return new TRPCError({ code: "BAD_REQUEST", message: error.issues[0]?.message ?? "Invalid input.", cause: error });
  return error;
}

/**
 * Declared permission first, then read-only mode (for a change it refuses; the mode is read only then), then the
 * procedure; AppErrors thrown anywhere come out with their own code.
 */
const enforcePermission = t.middleware(async ({ ctx, meta, type, path, next }) => {
  if (!meta?.permission) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "This procedure declares no permission." });
  }
  try {
    assertCan(ctx.actor, meta.permission);
    if (type === "mutation" && refusedWhileReadOnly(meta.permission)) assertWritable(meta.permission, await isSiteReadOnly(ctx.db));
  } catch (error) {
    throw toTRPCError(error);
  }
  const result = await next();
  if (result.ok) return result;
  // tRPC wraps whatever a procedure throws as an internal error whose cause is the real one (an AppError, a
  // ZodError); an error tRPC raised itself with a client code (input that is not JSON or not superjson) stays as it is.
  const { error } = result;
  // A change refused because the database (or the files folder) is full: 507 for the caller (api/http.ts), and the
  // administrators' alarm, not an exception per call.
  const full = asStorageFullError(error.cause ?? error);
  if (full) {
    await reportStorageFull(ctx.db, getBlobStore(), full, { route: `/api/trpc/${path}`, method: type, userId: ctx.actor.kind === "user" ? ctx.actor.user.id : null });
    throw toTRPCError(full);
  }
  throw error.code === "INTERNAL_SERVER_ERROR" ? toTRPCError(error.cause ?? error) : error;
});

/** Anyone may call these when their declared permission allows it (anonymous visitors included). */
export const publicProcedure = t.procedure.use(enforcePermission);

/**
 * For procedures whose declared permission no visitor holds: the context's actor is narrowed to a signed-in one.
 * Who may call them is still the permission's business alone (site administration included).
 */
export const authenticatedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.actor.kind !== "user") throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});
