import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import {
  anonymous,
  createDeactivatedUser,
  createUser,
  findUser,
  linkTokenIn,
  onlyEmailTo,
  recordedAuditEvents,
  sentEmails,
} from "@/test/factories";
import { accountTokens, auditEvents, signInFailures } from "../db/schema";
import { resolveSession } from "./sessions";
import { hashSecret } from "./passwords";

const db = setUpTestDatabase();
const visitor = () => callerFor(anonymous());

async function requestResetLink(login: string, email: string): Promise<string> {
  await visitor().account.requestPasswordReset({ login });
  return linkTokenIn(await onlyEmailTo(db, email), "/reset-password");
}

function resetForm(token: string, password = "a brand new password") {
  return { token, password, passwordConfirmation: password };
}

describe("forgotten username", () => {
  it("e-mails the username to the address on file", async () => {
    const user = await createUser(db, { username: "Ada_L", email: "ada@example.test" });

    await expect(visitor().account.remindUsername({ email: "ADA@example.test" })).resolves.toEqual({ ok: true });

    const message = await onlyEmailTo(db, "ada@example.test");
    expect(message).toMatchObject({ subject: "Your Granary username", template: "usernameReminder", transport: "outbox", status: "stored" });
    expect(message.text).toContain("Ada_L");
    expect(message.text).toContain("http://granary.test/sign-in");
    const [event] = await recordedAuditEvents(db, { action: "account.username_reminder_sent" });
    expect(event).toMatchObject({ subjectUserId: user.id, details: { accountFound: true } });
  });

  it("answers an unknown address identically, and sends nothing", async () => {
    await createUser(db, { email: "ada@example.test" });

    await expect(visitor().account.remindUsername({ email: "nobody@example.test" })).resolves.toEqual({ ok: true });

    expect(await sentEmails(db)).toEqual([]);
    const [event] = await recordedAuditEvents(db, { action: "account.username_reminder_sent" });
    expect(event).toMatchObject({ subjectUserId: null, details: { accountFound: false } });
  });
});

describe("forgotten password", () => {
  it("e-mails a single-use reset link, by username or e-mail", async () => {
    const user = await createUser(db, { username: "ada", email: "ada@example.test" });

    await expect(visitor().account.requestPasswordReset({ login: "ADA@EXAMPLE.TEST" })).resolves.toEqual({ ok: true });

    const message = await onlyEmailTo(db, user.email);
    expect(message.subject).toBe("Reset your Granary password");
    expect(message.text).toMatch(/http:\/\/granary\.test\/reset-password\?token=[A-Za-z0-9_-]{43}/);
    expect(message.html).toContain("/reset-password?token=");
    const [event] = await recordedAuditEvents(db, { action: "account.password_reset_requested" });
    expect(event).toMatchObject({ subjectUserId: user.id, details: { accountFound: true } });
  });

  it("keeps only the link's hash", async () => {
    const user = await createUser(db);
    const token = await requestResetLink(user.username, user.email);

    const [stored] = await db.select().from(accountTokens).where(eq(accountTokens.userId, user.id));
    expect(stored).toMatchObject({ purpose: "password_reset", secretHash: hashSecret(token), usedAt: null });
    expect(JSON.stringify(await db.select().from(accountTokens))).not.toContain(token);
  });

  it("answers an unknown login identically, and sends nothing", async () => {
    await expect(visitor().account.requestPasswordReset({ login: "nobody" })).resolves.toEqual({ ok: true });
    expect(await sentEmails(db)).toEqual([]);
    expect(await db.$count(accountTokens)).toBe(0);
  });

  it("sends nothing for a deactivated account", async () => {
    const user = await createDeactivatedUser(db);
    await expect(visitor().account.requestPasswordReset({ login: user.username })).resolves.toEqual({ ok: true });
    expect(await sentEmails(db)).toEqual([]);
  });
});

describe("password reset", () => {
  it("sets the new password, once, and ends every session", async () => {
    const user = await createUser(db);
    const signInSessions = new SessionRecorder();
    await callerFor(anonymous(), { sessions: signInSessions }).account.signIn({ login: user.username, password: user.password });
    const oldGrant = signInSessions.lastGrant();
    expect(await resolveSession(db, oldGrant)).not.toBeNull();
    const token = await requestResetLink(user.username, user.email);

    await expect(visitor().account.resetPassword(resetForm(token))).resolves.toEqual({ ok: true });

    expect(await resolveSession(db, oldGrant)).toBeNull();
    expect((await findUser(db, user.id))?.sessionVersion).toBe(oldGrant.sessionVersion + 1);
    expect((await failureOf(visitor().account.signIn({ login: user.username, password: user.password }))).code).toBe("UNAUTHORIZED");
    await expect(visitor().account.signIn({ login: user.username, password: "a brand new password" })).resolves.toEqual({ ok: true });
    expect(await recordedAuditEvents(db, { action: "account.password_reset_completed", subjectUserId: user.id })).toHaveLength(1);

    const secondUse = await failureOf(visitor().account.resetPassword(resetForm(token, "yet another password")));
    expect(secondUse.code).toBe("BAD_REQUEST");
    expect(secondUse.fieldErrors).toEqual({
      token: "This reset link is not valid: it may have expired or been used already. Ask for a new one.",
    });
    await expect(visitor().account.signIn({ login: user.username, password: "a brand new password" })).resolves.toEqual({ ok: true });
  });

  it("refuses an expired link", async () => {
    const user = await createUser(db);
    const token = await requestResetLink(user.username, user.email);
    await db.execute(sql`UPDATE account_tokens SET expires_at = now() - interval '1 minute'`);

    const failure = await failureOf(visitor().account.resetPassword(resetForm(token)));

    expect(failure.code).toBe("BAD_REQUEST");
    expect(Object.keys(failure.fieldErrors ?? {})).toEqual(["token"]);
    await expect(visitor().account.signIn({ login: user.username, password: user.password })).resolves.toEqual({ ok: true });
  });

  it("refuses a made-up link", async () => {
    await createUser(db);
    const failure = await failureOf(visitor().account.resetPassword(resetForm("x".repeat(43))));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(Object.keys(failure.fieldErrors ?? {})).toEqual(["token"]);
  });

  it("voids the other links e-mailed before", async () => {
    const user = await createUser(db);
    await visitor().account.requestPasswordReset({ login: user.username });
    await visitor().account.requestPasswordReset({ login: user.email });
    const [first, second] = (await sentEmails(db, { to: user.email })).map((message) => linkTokenIn(message, "/reset-password"));

    await visitor().account.resetPassword(resetForm(second!));

    expect((await failureOf(visitor().account.resetPassword(resetForm(first!)))).fieldErrors).toHaveProperty("token");
  });

  it("refuses a link for an account deactivated since it was sent", async () => {
    const user = await createUser(db);
    const token = await requestResetLink(user.username, user.email);
    await callerFor((await createUser(db, { isSiteAdmin: true })).actor).admin.setUserActive({ userId: user.id, active: false });

    expect((await failureOf(visitor().account.resetPassword(resetForm(token)))).fieldErrors).toHaveProperty("token");
  });

  it("lifts the sign-in lock of the account", async () => {
    const user = await createUser(db);
    for (let attempt = 0; attempt < 5; attempt++) await failureOf(visitor().account.signIn({ login: user.username, password: "wrong password" }));
    expect((await failureOf(visitor().account.signIn({ login: user.username, password: user.password }))).code).toBe("TOO_MANY_REQUESTS");
    const token = await requestResetLink(user.username, user.email);

    await visitor().account.resetPassword(resetForm(token));

    expect(await db.$count(signInFailures)).toBe(0);
    await expect(visitor().account.signIn({ login: user.username, password: "a brand new password" })).resolves.toEqual({ ok: true });
  });

  it("checks the form before the link, so a typo does not burn the link", async () => {
    const user = await createUser(db);
    const token = await requestResetLink(user.username, user.email);

    const mismatch = await failureOf(visitor().account.resetPassword({ token, password: "a brand new password", passwordConfirmation: "typo" }));
    expect(mismatch.fieldErrors).toEqual({ passwordConfirmation: "The passwords do not match." });

    await expect(visitor().account.resetPassword(resetForm(token))).resolves.toEqual({ ok: true });
    expect(await db.$count(auditEvents, eq(auditEvents.action, "account.password_reset_completed"))).toBe(1);
  });
});
