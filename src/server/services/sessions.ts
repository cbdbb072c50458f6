/**
 * Browser sessions, kept on the server. Every sign-in (and sign-up) opens a session record whose id the session
 * cookie carries, and every request with the cookie checks that the record is live and the account unchanged:
 * signing out ends the session for every copy of the cookie, signing out everywhere ends all of the account's,
 * and so do password changes, resets and deactivation (which also move the account's session version on, for the
 * Basic credentials package clients send).
 */
import { and, desc, eq, gt, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { sessionRefSchema, type signInSchema } from "@/shared/schemas/account";
import { assertCan, requireUser, type Actor, type ActorUser, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { sessions, users, type sessionEndReasons } from "../db/schema";
import { AppError } from "../errors";
import { toActorUser, type BrowserSession, type SessionGrant } from "./account-records";
import { recordAudit } from "./audit";
import { authenticate } from "./sign-in";

/** How long a session lasts from sign-in, the cookie's lifetime too. */
export const sessionLifetimeSeconds = 30 * 24 * 60 * 60;

/** Last-seen times are this coarse, so a busy session writes at most once a minute. */
const lastSeenResolutionMilliseconds = 60_000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type SessionEndReason = (typeof sessionEndReasons)[number];

/** Opens a session for credentials just accepted; `db` may be the transaction that accepted them. */
export async function openSession(db: Db, origin: RequestOrigin, grant: SessionGrant): Promise<BrowserSession> {
  const [row] = await db
    .insert(sessions)
    .values({
      userId: grant.userId,
      expiresAt: new Date(Date.now() + sessionLifetimeSeconds * 1000),
      ipAddress: origin.ipAddress,
      userAgent: origin.userAgent,
      lastSeenIp: origin.ipAddress,
    })
    .returning({ id: sessions.id });
  if (!row) throw new Error("Opening a session returned no row.");
  return { ...grant, sessionId: row.id };
}

/** Signs in with a username (or e-mail) and password and opens a browser session. */
export async function signIn(db: Db, actor: Actor, input: z.input<typeof signInSchema>): Promise<BrowserSession> {
  const grant = await authenticate(db, actor, input);
  return openSession(db, actor.origin, grant);
}

/**
 * The check made on every request that carries the session cookie: the session's record must be live and the
 * account active and on the session's version. Notes when the session was last seen, at most once a minute.
 */
export async function resolveSession(db: Db, session: BrowserSession, origin?: RequestOrigin): Promise<ActorUser | null> {
  if (!uuidPattern.test(session.sessionId)) return null;
  const now = new Date();
  const [row] = await db
    .select({ user: users, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, session.sessionId), eq(sessions.userId, session.userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)));
  if (!row || row.user.kind !== "user" || !row.user.isActive || row.user.sessionVersion !== session.sessionVersion) return null;
  const staleBefore = new Date(now.getTime() - lastSeenResolutionMilliseconds);
  if (row.lastSeenAt < staleBefore) {
    // Conditional, so concurrent requests of one session write once.
    await db
      .update(sessions)
      .set({ lastSeenAt: now, ...(origin ? { lastSeenIp: origin.ipAddress } : {}) })
      .where(and(eq(sessions.id, session.sessionId), lt(sessions.lastSeenAt, staleBefore)));
  }
  return toActorUser(row.user);
}

export interface SessionSummary {
  id: string;
  /** Whether this is the session the request came with. */
  current: boolean;
  createdAt: Date;
  lastSeenAt: Date;
  /** The address it was last seen from. */
  ipAddress: string | null;
  userAgent: string | null;
}

/** The account's live sessions, most recently seen first. */
export async function listSessions(db: Db, actor: Actor): Promise<SessionSummary[]> {
  assertCan(actor, "security-log:read");
  const signedIn = requireUser(actor);
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, signedIn.user.id), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .limit(100);
  return rows.map((row) => ({
    id: row.id,
    current: row.id === signedIn.sessionId,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    ipAddress: row.lastSeenIp ?? row.ipAddress,
    userAgent: row.userAgent,
  }));
}

/** Ends every live session of an account (in the caller's transaction); returns how many there were. */
export async function endAllSessions(db: Db, userId: string, reason: SessionEndReason): Promise<number> {
  const ended = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return ended.length;
}

/** Ends the session the request came with (a copy of its cookie stops working too). */
export async function signOut(db: Db, actor: Actor): Promise<void> {
  assertCan(actor, "session:delete");
  const signedIn = requireUser(actor);
  await db.transaction(async (tx) => {
    if (signedIn.sessionId) {
      await tx
        .update(sessions)
        .set({ revokedAt: new Date(), revokedReason: "signed_out" })
        .where(and(eq(sessions.id, signedIn.sessionId), eq(sessions.userId, signedIn.user.id), isNull(sessions.revokedAt)));
    }
    await recordAudit(tx, actor, {
      action: "auth.sign_out",
      target: { type: "user", id: signedIn.user.id, label: signedIn.user.username },
      subjectUserId: signedIn.user.id,
      details: signedIn.sessionId ? { sessionId: signedIn.sessionId } : {},
    });
  });
}

/** Ends every session of the caller's account, this one included. */
export async function signOutEverywhere(db: Db, actor: Actor): Promise<{ ended: number }> {
  assertCan(actor, "session:delete");
  const signedIn = requireUser(actor);
  return db.transaction(async (tx) => {
    const ended = await endAllSessions(tx, signedIn.user.id, "signed_out_everywhere");
    await recordAudit(tx, actor, {
      action: "auth.sign_out_everywhere",
      target: { type: "user", id: signedIn.user.id, label: signedIn.user.username },
      subjectUserId: signedIn.user.id,
      details: { sessionsEnded: ended },
    });
    return { ended };
  });
}

/** Ends one of the caller's own sessions (a browser left signed in elsewhere). */
export async function revokeSession(db: Db, actor: Actor, rawInput: z.input<typeof sessionRefSchema>): Promise<void> {
  assertCan(actor, "session:delete");
  const signedIn = requireUser(actor);
  const { id } = sessionRefSchema.parse(rawInput);
  await db.transaction(async (tx) => {
    const [ended] = await tx
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: "revoked" })
      .where(and(eq(sessions.id, id), eq(sessions.userId, signedIn.user.id), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id, ipAddress: sessions.lastSeenIp, userAgent: sessions.userAgent });
    // Another account's session, or one already over, answers the same: there is nothing of the caller's to end.
    if (!ended) throw new AppError("NOT_FOUND", "This session has ended already.");
    await recordAudit(tx, actor, {
      action: "auth.session_revoked",
      target: { type: "session", id: ended.id, label: ended.userAgent?.slice(0, 200) ?? ended.ipAddress },
      subjectUserId: signedIn.user.id,
      details: { sessionIpAddress: ended.ipAddress, current: ended.id === signedIn.sessionId },
    });
  });
}
