/**
 * Unexpected server errors for the admin panel's Exceptions page: recorded where they happen (cheaply, never
 * throwing), grouped by fingerprint, read, resolved and reopened.
 *
 * The fingerprint is the error's type and the top frames of its stack, each frame reduced to its function and its
 * file without line or column numbers, absolute folders or build hashes: those change with every edit and every
 * `next build`, and an error that moved three lines down is still the same error. The message is left out too, as
 * it carries ids and names that differ every time; an error without a usable stack falls back to its message with
 * numbers and ids blanked out.
 */
import { createHash } from "node:crypto";
import { count, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { exceptionGroupRefSchema, listExceptionGroupsSchema, setExceptionGroupResolvedSchema } from "@/shared/schemas/exceptions";
import { tokenPrefix } from "@/shared/token-scopes";
import { assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { exceptionGroups, exceptions, users } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";

// ---------------------------------------------------------------------------------------------- fingerprints

/** How many frames, from the top, tell one error from another. */
const fingerprintFrames = 5;

/** A stack frame's place without what moves between builds: line and column, the checkout's folder, hashes. */
export function normalizeFrame(line: string): string | null {
  const match = /^\s*at\s+(?:(.*?)\s+\()?(.*?)\)?\s*$/.exec(line);
  if (!match) return null;
  const functionName = (match[1] ?? "").replace(/^async\s+/, "").replace(/\s+\[as [^\]]+\]$/, "");
  let location = (match[2] ?? "")
    .replace(/^file:\/\//, "")
    .replace(/\?.*$/, "")
    .replace(/(:\d+)+$/, "");
  if (location === "" || location === "<anonymous>" || location.startsWith("node:internal") || location === "native") return null;
  for (const marker of ["/node_modules/", "/.next/", "/src/"]) {
    const at = location.lastIndexOf(marker);
    if (at !== -1) {
      location = location.slice(at + 1);
      break;
    }
  }
  // Bundlers name chunks by content hash or by number: both change between builds.
  location = location.replace(/[0-9a-f]{8,}/gi, "#").replace(/\b\d+\b/g, "#");
  return functionName ? `${functionName} (${location})` : location;
}

function blankedMessage(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<id>")
    .replace(/\d+/g, "<n>")
    .slice(0, 300);
}

export interface Fingerprint {
  fingerprint: string;
  errorType: string;
  frames: string[];
}

export function fingerprintOf(error: Error): Fingerprint {
  const errorType = (error.name && error.name !== "Error" ? error.name : error.constructor?.name) || "Error";
  const frames = (error.stack ?? "")
    .split("\n")
    .slice(1)
    .map(normalizeFrame)
    .filter((frame): frame is string => frame !== null)
    .slice(0, fingerprintFrames);
  const basis = frames.length > 0 ? frames : [`message: ${blankedMessage(error.message)}`];
  const fingerprint = createHash("sha256").update([errorType, ...basis].join("\n")).digest("hex").slice(0, 32);
  return { fingerprint, errorType, frames };
}

// ---------------------------------------------------------------------------------------------- scrubbing

export const removedValue = "[removed]";

/** Headers that carry credentials by name, and any header whose name says it holds one. */
const credentialHeaders = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);
const credentialName = /token|secret|passw|api[-_]?key|auth|session|signature|credential|csrf/i;

type HeaderSource = Headers | Record<string, string | string[] | undefined> | null | undefined;

/** The request's headers as the Exceptions page may show them: credentials replaced by "[removed]". */
export function scrubHeaders(headers: HeaderSource): Record<string, string> | null {
  if (!headers) return null;
  const entries: Array<[string, string]> =
    typeof (headers as Headers).forEach === "function" && typeof (headers as Headers).get === "function"
      ? [...(headers as Headers).entries()]
      : Object.entries(headers as Record<string, string | string[] | undefined>).flatMap(([name, value]) =>
          value === undefined ? [] : [[name, Array.isArray(value) ? value.join(", ") : String(value)] as [string, string]],
        );
  const scrubbed: Record<string, string> = {};
  for (const [rawName, value] of entries.slice(0, 60)) {
    const name = rawName.toLowerCase();
    scrubbed[name] = credentialHeaders.has(name) || credentialName.test(name) || value.includes(tokenPrefix) ? removedValue : value.slice(0, 1000);
  }
  return scrubbed;
}

const credentialParameter = /token|key|secret|passw|signature|sig$|code|auth|session|credential/i;

/** A path with its query, without the tokens people put in them (`/t/<token>/`, `?token=`, `?api_key=`...). */
export function scrubPath(path: string | null | undefined): string | null {
  if (!path) return null;
  const queryStart = path.indexOf("?");
  const pathname = (queryStart === -1 ? path : path.slice(0, queryStart)).replace(/\/t\/[^/]+/g, `/t/${removedValue}`);
  if (queryStart === -1) return pathname.slice(0, 500);
  const query = path
    .slice(queryStart + 1)
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals === -1 ? pair : pair.slice(0, equals);
      let decodedValue = equals === -1 ? "" : pair.slice(equals + 1);
      try {
        decodedValue = decodeURIComponent(decodedValue);
      } catch {
        // Compared as it is.
      }
      return equals !== -1 && (credentialParameter.test(name) || decodedValue.includes(tokenPrefix)) ? `${name}=${removedValue}` : pair;
    })
    .join("&");
  return `${pathname}?${query}`.slice(0, 500);
}

// ---------------------------------------------------------------------------------------------- recording

export interface ExceptionContext {
  /** The request's path (its query too, if known): scrubbed here. Or what was happening, for work outside requests. */
  route?: string | null;
  method?: string | null;
  userId?: string | null;
  /** The request's headers: scrubbed here before they are stored. */
  headers?: HeaderSource;
}

function textArray(values: readonly string[]) {
  return values.length === 0 ? sql`'{}'::text[]` : sql`array[${sql.join(values.map((value) => sql`${value}`), sql`, `)}]::text[]`;
}

/**
 * Records an unexpected error for the admin panel: one statement adds the occurrence and counts it in its group
 * (reopening the group if it was resolved). Never throws: reporting must not make things worse.
 */
export async function recordException(db: Db, error: unknown, context: ExceptionContext): Promise<string | null> {
  const asError = error instanceof Error ? error : new Error(String(error));
  try {
    const { fingerprint, errorType, frames } = fingerprintOf(asError);
    const message = asError.message.slice(0, 2000) || asError.name;
    const stack = asError.stack?.slice(0, 20_000) ?? null;
    const headers = scrubHeaders(context.headers);
    const rows = await db.execute<{ id: string }>(sql`
      with occurrence as (
        insert into ${exceptions} (message, stack, route, method, request_headers, fingerprint, user_id)
        values (${message}, ${stack}, ${scrubPath(context.route)}, ${context.method?.slice(0, 20) ?? null},
          ${headers === null ? null : JSON.stringify(headers)}::jsonb, ${fingerprint}, ${context.userId ?? null})
        returning id, created_at
      ), counted as (
        insert into ${exceptionGroups} (fingerprint, error_type, message, stack, frames, first_seen_at, last_seen_at, last_exception_id)
        select ${fingerprint}, ${errorType.slice(0, 200)}, ${message}, ${stack}, ${textArray(frames)}, created_at, created_at, id from occurrence
        on conflict (fingerprint) do update set
          occurrences = exception_groups.occurrences + 1,
          last_seen_at = excluded.last_seen_at,
          message = excluded.message,
          stack = excluded.stack,
          last_exception_id = excluded.last_exception_id,
          reopened_count = exception_groups.reopened_count + (exception_groups.resolved_at is not null)::int,
          resolved_at = null,
          resolved_by_id = null
      )
      select id from occurrence`);
    return rows[0]?.id ?? null;
  } catch (reportingError) {
    console.error("Could not record an exception:", reportingError, "original error:", asError);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------- the Exceptions page

/** The Exceptions page: groups, the most recently seen first; open ones unless resolved ones are asked for. */
export async function listExceptionGroups(db: Db, actor: Actor, rawInput: z.input<typeof listExceptionGroupsSchema>) {
  assertCan(actor, "admin:exceptions:read");
  const input = listExceptionGroupsSchema.parse(rawInput);
  const where = input.status === "resolved" ? isNotNull(exceptionGroups.resolvedAt) : isNull(exceptionGroups.resolvedAt);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        fingerprint: exceptionGroups.fingerprint,
        errorType: exceptionGroups.errorType,
        message: exceptionGroups.message,
        topFrame: sql<string | null>`${exceptionGroups.frames}[1]`,
        occurrences: exceptionGroups.occurrences,
        firstSeenAt: exceptionGroups.firstSeenAt,
        lastSeenAt: exceptionGroups.lastSeenAt,
        resolvedAt: exceptionGroups.resolvedAt,
        reopenedCount: exceptionGroups.reopenedCount,
        // "Mark all as read" marks every occurrence, so a group is unread exactly when its newest occurrence is.
        unread: sql<boolean>`coalesce((select e.read_at is null from ${exceptions} as e where e.id = ${exceptionGroups.lastExceptionId}), false)`,
      })
      .from(exceptionGroups)
      .where(where)
      .orderBy(desc(exceptionGroups.lastSeenAt), exceptionGroups.fingerprint)
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ value: count() }).from(exceptionGroups).where(where),
  ]);
  return { items: rows, total: total?.value ?? 0, page: input.page, pageSize: input.pageSize, status: input.status };
}

/** How many of a group's latest occurrences its page shows. */
const occurrencesShown = 20;

/** A group's page: its stack, and its latest occurrences with their requests and who made them. */
export async function getExceptionGroup(db: Db, actor: Actor, rawInput: z.input<typeof exceptionGroupRefSchema>) {
  assertCan(actor, "admin:exceptions:read");
  const { fingerprint } = exceptionGroupRefSchema.parse(rawInput);
  const [group] = await db
    .select({
      fingerprint: exceptionGroups.fingerprint,
      errorType: exceptionGroups.errorType,
      message: exceptionGroups.message,
      stack: exceptionGroups.stack,
      frames: exceptionGroups.frames,
      occurrences: exceptionGroups.occurrences,
      firstSeenAt: exceptionGroups.firstSeenAt,
      lastSeenAt: exceptionGroups.lastSeenAt,
      resolvedAt: exceptionGroups.resolvedAt,
      resolvedBy: users.username,
      reopenedCount: exceptionGroups.reopenedCount,
    })
    .from(exceptionGroups)
    .leftJoin(users, eq(users.id, exceptionGroups.resolvedById))
    .where(eq(exceptionGroups.fingerprint, fingerprint));
  if (!group) throw new AppError("NOT_FOUND", "No such group of exceptions.");
  const occurrences = await db
    .select({
      id: exceptions.id,
      message: exceptions.message,
      stack: exceptions.stack,
      method: exceptions.method,
      route: exceptions.route,
      requestHeaders: exceptions.requestHeaders,
      createdAt: exceptions.createdAt,
      readAt: exceptions.readAt,
      username: users.username,
    })
    .from(exceptions)
    .leftJoin(users, eq(users.id, exceptions.userId))
    .where(eq(exceptions.fingerprint, fingerprint))
    .orderBy(desc(exceptions.createdAt))
    .limit(occurrencesShown);
  return { ...group, latestOccurrences: occurrences };
}

/** Resolve (the fix is out) or reopen a group by hand; a resolved group also reopens by itself when the error recurs. */
export async function setExceptionGroupResolved(db: Db, actor: Actor, rawInput: z.input<typeof setExceptionGroupResolvedSchema>) {
  assertCan(actor, "admin:exceptions:update");
  const input = setExceptionGroupResolvedSchema.parse(rawInput);
  const admin = requireUser(actor).user;
  return db.transaction(async (tx) => {
    const [group] = await tx
      .update(exceptionGroups)
      .set(input.resolved ? { resolvedAt: new Date(), resolvedById: admin.id } : { resolvedAt: null, resolvedById: null })
      .where(eq(exceptionGroups.fingerprint, input.fingerprint))
      .returning({ fingerprint: exceptionGroups.fingerprint, errorType: exceptionGroups.errorType, resolvedAt: exceptionGroups.resolvedAt });
    if (!group) throw new AppError("NOT_FOUND", "No such group of exceptions.");
    await recordAudit(tx, actor, {
      action: input.resolved ? "admin.exception_resolved" : "admin.exception_reopened",
      target: { type: "exception_group", id: group.fingerprint, label: group.errorType },
    });
    return group;
  });
}

/** The red dot's question: how many errors no administrator has marked read (counted up to 100, which is plenty). */
export async function countUnreadExceptions(db: Db, actor: Actor): Promise<{ unread: number }> {
  assertCan(actor, "admin:exceptions:read");
  const [row] = await db.execute<{ unread: number }>(sql`
    select count(*)::int as unread from (select 1 from ${exceptions} where ${exceptions.readAt} is null limit 100) as unread`);
  return { unread: row?.unread ?? 0 };
}

/** "Mark all as read" on the Exceptions page: the red dot goes until the next error. */
export async function markExceptionsRead(db: Db, actor: Actor): Promise<{ marked: number }> {
  assertCan(actor, "admin:exceptions:update");
  return db.transaction(async (tx) => {
    const marked = await tx.update(exceptions).set({ readAt: new Date() }).where(isNull(exceptions.readAt)).returning({ id: exceptions.id });
    await recordAudit(tx, actor, { action: "admin.exceptions_marked_read", target: { type: "exceptions", label: "all" }, details: { marked: marked.length } });
    return { marked: marked.length };
  });
}
