/**
 * Browser sessions on the server: a sign-in opens a record, every request checks it, and ending it (signing out,
 * here or everywhere, a password change or reset, a deactivation) ends every copy of the cookie at once.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createAccountLink, createSession, createSiteAdmin, createUser, recordedAuditEvents, testOrigin, type TestUser } from "@/test/factories";
import { sessionActor, type Actor } from "../authz";
import { sessions } from "../db/schema";
import { toActorUser, type BrowserSession } from "./account-records";
import { resolveSession } from "./sessions";

const db = setUpTestDatabase();

const laptop = { ipAddress: "198.51.100.10", userAgent: "Firefox on the laptop" };
const phone = { ipAddress: "198.51.100.20", userAgent: "Safari on the phone" };

/** Signs in through the router from a device, as the sign-in form does; returns what the cookie would carry. */
async function signInFrom(user: TestUser, origin = laptop): Promise<BrowserSession> {
  const recorder = new SessionRecorder();
  await callerFor(anonymous(origin), { sessions: recorder }).account.signIn({ login: user.username, password: user.password });
  return recorder.lastGrant();
}

/** The actor a request with the session's cookie resolves to, or null when the session is over. */
async function actorOf(session: BrowserSession, origin = laptop): Promise<Actor | null> {
  const user = await resolveSession(db, session, origin);
  return user ? sessionActor(user, session.sessionId, origin) : null;
}

async function signedInActor(session: BrowserSession, origin = laptop): Promise<Actor> {
  const actor = await actorOf(session, origin);
  if (!actor) throw new Error("The session is not live.");
  return actor;
}

async function sessionRow(id: string) {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  return row!;
}

describe("signing in", () => {
  it("opens a session record that the cookie names, with where and with what", async () => {
    const user = await createUser(db, { username: "ada" });
    const session = await signInFrom(user);
    expect(session).toEqual({ userId: user.id, sessionVersion: user.sessionVersion, sessionId: expect.any(String) });
    expect(await sessionRow(session.sessionId)).toMatchObject({ userId: user.id, ipAddress: laptop.ipAddress, userAgent: laptop.userAgent, revokedAt: null });
    expect(await resolveSession(db, session)).toMatchObject({ id: user.id, username: "ada" });
  });

  it("refuses a cookie naming a session that does not exist, belongs to another account or is not an id", async () => {
    const ada = await createUser(db, { username: "ada" });
    const bob = await createUser(db, { username: "bob" });
    const adas = await signInFrom(ada);
    expect(await resolveSession(db, { ...adas, sessionId: "00000000-0000-4000-8000-000000000000" })).toBeNull();
    expect(await resolveSession(db, { ...adas, userId: bob.id, sessionVersion: bob.sessionVersion })).toBeNull();
    expect(await resolveSession(db, { ...adas, sessionId: "not-an-id" })).toBeNull();
  });

  it("refuses an expired session", async () => {
    const user = await createUser(db);
    const session = await signInFrom(user);
    await db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.id, session.sessionId));
    expect(await resolveSession(db, session)).toBeNull();
  });

  it("notes when a session was last seen at most once a minute, with the address it was seen from", async () => {
    const user = await createUser(db);
    const session = await signInFrom(user);
    const opened = await sessionRow(session.sessionId);
    await resolveSession(db, session, phone);
    expect((await sessionRow(session.sessionId)).lastSeenAt).toEqual(opened.lastSeenAt);

    const twoMinutesAgo = new Date(Date.now() - 2 * 60_000);
    await db.update(sessions).set({ lastSeenAt: twoMinutesAgo }).where(eq(sessions.id, session.sessionId));
    await resolveSession(db, session, phone);
    const seen = await sessionRow(session.sessionId);
    expect(seen.lastSeenAt.getTime()).toBeGreaterThan(twoMinutesAgo.getTime());
    expect(seen.lastSeenIp).toBe(phone.ipAddress);
    await resolveSession(db, session, laptop);
    expect(await sessionRow(session.sessionId)).toMatchObject({ lastSeenAt: seen.lastSeenAt, lastSeenIp: phone.ipAddress });
  });
});

describe("signing out", () => {
  it("ends the session on the server: a copy of the cookie no longer signs anyone in", async () => {
    const user = await createUser(db, { username: "ada" });
    const session = await signInFrom(user);
    const copiedCookie = { ...session };
    const recorder = new SessionRecorder();

    await callerFor(await signedInActor(session), { sessions: recorder }).account.signOut();

    expect(recorder.endedCount).toBe(1);
    expect(await resolveSession(db, copiedCookie)).toBeNull();
    expect(await sessionRow(session.sessionId)).toMatchObject({ revokedReason: "signed_out", revokedAt: expect.any(Date) });
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_out" });
    expect(event).toMatchObject({ subjectUserId: user.id, details: { sessionId: session.sessionId } });
  });

  it("leaves the account's other sessions alone", async () => {
    const user = await createUser(db);
    const onLaptop = await signInFrom(user, laptop);
    const onPhone = await signInFrom(user, phone);
    await callerFor(await signedInActor(onLaptop)).account.signOut();
    expect(await resolveSession(db, onLaptop)).toBeNull();
    expect(await resolveSession(db, onPhone)).toMatchObject({ id: user.id });
  });

  it("signs out everywhere: every session of the account ends, this one included, and nobody else's", async () => {
    const user = await createUser(db, { username: "ada" });
    const other = await createUser(db, { username: "bob" });
    const onLaptop = await signInFrom(user, laptop);
    const onPhone = await signInFrom(user, phone);
    const bobs = await signInFrom(other, phone);
    const recorder = new SessionRecorder();

    const result = await callerFor(await signedInActor(onLaptop), { sessions: recorder }).account.signOutEverywhere();

    expect(result).toEqual({ ended: 2 });
    expect(recorder.endedCount).toBe(1);
    expect(await resolveSession(db, onLaptop)).toBeNull();
    expect(await resolveSession(db, onPhone)).toBeNull();
    expect(await resolveSession(db, bobs)).toMatchObject({ id: other.id });
    expect((await sessionRow(onPhone.sessionId)).revokedReason).toBe("signed_out_everywhere");
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_out_everywhere" });
    expect(event).toMatchObject({ subjectUserId: user.id, actorUserId: user.id, ipAddress: laptop.ipAddress, details: { sessionsEnded: 2 } });
  });
});

describe("the account's sessions", () => {
  it("lists the live ones, most recently seen first, marking the current one", async () => {
    const user = await createUser(db);
    const other = await createUser(db);
    const onLaptop = await signInFrom(user, laptop);
    const onPhone = await signInFrom(user, phone);
    const ended = await signInFrom(user, phone);
    await callerFor(await signedInActor(ended, phone)).account.signOut();
    await signInFrom(other);
    const caller = callerFor(await signedInActor(onLaptop));
    await db.update(sessions).set({ lastSeenAt: new Date(Date.now() - 3_600_000) }).where(eq(sessions.id, onLaptop.sessionId));

    const listed = await caller.account.listSessions();

    expect(listed).toEqual([
      { id: onPhone.sessionId, current: false, createdAt: expect.any(Date), lastSeenAt: expect.any(Date), ipAddress: phone.ipAddress, userAgent: phone.userAgent },
      { id: onLaptop.sessionId, current: true, createdAt: expect.any(Date), lastSeenAt: expect.any(Date), ipAddress: laptop.ipAddress, userAgent: laptop.userAgent },
    ]);
  });

  it("ends one of them from another device, and refuses another account's as missing", async () => {
    const user = await createUser(db, { username: "ada" });
    const other = await createUser(db, { username: "bob" });
    const onLaptop = await signInFrom(user, laptop);
    const onPhone = await signInFrom(user, phone);
    const bobs = await signInFrom(other);
    const caller = callerFor(await signedInActor(onLaptop));

    await caller.account.revokeSession({ id: onPhone.sessionId });

    expect(await resolveSession(db, onPhone)).toBeNull();
    expect(await resolveSession(db, onLaptop)).toMatchObject({ id: user.id });
    const [event] = await recordedAuditEvents(db, { action: "auth.session_revoked" });
    expect(event).toMatchObject({ subjectUserId: user.id, targetId: onPhone.sessionId, details: { sessionIpAddress: phone.ipAddress, current: false } });

    expect((await failureOf(caller.account.revokeSession({ id: bobs.sessionId }))).code).toBe("NOT_FOUND");
    expect((await failureOf(caller.account.revokeSession({ id: onPhone.sessionId }))).code).toBe("NOT_FOUND");
    expect(await resolveSession(db, bobs)).toMatchObject({ id: other.id });
  });
});

describe("other ways sessions end", () => {
  it("a password change ends every session and opens a fresh one for the browser that made it", async () => {
    const user = await createUser(db);
    const onLaptop = await signInFrom(user, laptop);
    const onPhone = await signInFrom(user, phone);
    const recorder = new SessionRecorder();
    await callerFor(await signedInActor(onLaptop), { sessions: recorder }).account.changePassword({
      currentPassword: user.password,
      newPassword: "a brand new password",
      newPasswordConfirmation: "a brand new password",
    });
    expect(await resolveSession(db, onLaptop)).toBeNull();
    expect(await resolveSession(db, onPhone)).toBeNull();
    expect((await sessionRow(onPhone.sessionId)).revokedReason).toBe("password_changed");
    const fresh = recorder.lastGrant();
    expect(fresh.sessionId).not.toBe(onLaptop.sessionId);
    expect(await resolveSession(db, fresh)).toMatchObject({ id: user.id });
    expect(await sessionRow(fresh.sessionId)).toMatchObject({ ipAddress: laptop.ipAddress, userAgent: laptop.userAgent });
  });

  it("a password reset ends every session", async () => {
    const user = await createUser(db);
    const session = await signInFrom(user);
    const token = await createAccountLink(db, user, { purpose: "password_reset" });
    await callerFor(anonymous()).account.resetPassword({ token, password: "a reset password", passwordConfirmation: "a reset password" });
    expect(await resolveSession(db, session)).toBeNull();
    expect((await sessionRow(session.sessionId)).revokedReason).toBe("password_reset");
  });

  it("deactivation ends every session", async () => {
    const admin = await createSiteAdmin(db);
    const user = await createUser(db);
    const session = await signInFrom(user);
    await callerFor(admin.actor).admin.setUserActive({ userId: user.id, active: false });
    expect((await sessionRow(session.sessionId)).revokedReason).toBe("deactivated");
    await callerFor(admin.actor).admin.setUserActive({ userId: user.id, active: true });
    expect(await resolveSession(db, session)).toBeNull();
  });

  it("deleting the account deletes its sessions", async () => {
    const user = await createUser(db, { username: "ada" });
    const session = await createSession(db, user, testOrigin);
    await callerFor(sessionActor(toActorUser(user), session.sessionId, testOrigin)).account.delete({ confirmation: "ada", currentPassword: user.password });
    expect(await db.select().from(sessions).where(eq(sessions.userId, user.id))).toEqual([]);
  });
});
