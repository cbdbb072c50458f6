import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { env } from "@/env";
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
import { accountTokens, auditEvents, requestLimitHits, signInFailures } from "../db/schema";
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

  it("lets the address it was reset from sign in again, but not an attacker's", async () => {
    const user = await createUser(db);
    const attacker = callerFor(anonymous({ ipAddress: "192.0.2.66", userAgent: null }));
    for (let attempt = 0; attempt < 5; attempt++) {
      await failureOf(visitor().account.signIn({ login: user.username, password: "wrong password" }));
      await failureOf(attacker.account.signIn({ login: user.username, password: "a guess" }));
    }
    expect((await failureOf(visitor().account.signIn({ login: user.username, password: user.password }))).code).toBe("TOO_MANY_REQUESTS");
    const token = await requestResetLink(user.username, user.email);

    await visitor().account.resetPassword(resetForm(token));

    await expect(visitor().account.signIn({ login: user.username, password: "a brand new password" })).resolves.toEqual({ ok: true });
    expect((await failureOf(attacker.account.signIn({ login: user.username, password: "a brand new password" }))).code).toBe("TOO_MANY_REQUESTS");
    expect(await db.$count(signInFailures)).toBe(5);
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

describe("recovery mail limits", () => {
  const fromAddress = (ipAddress: string) => callerFor(anonymous({ ipAddress, userAgent: null }));

  it("uses the documented limits", () => {
    expect(env.RECOVERY_MAILS_PER_ACCOUNT_PER_HOUR).toBe(3);
    expect(env.RECOVERY_MAILS_PER_IP_PER_HOUR).toBe(10);
  });

  it("sends only the limit's worth of reset links for 60 requests in a row, answering each the same, existing account or not", async () => {
    const user = await createUser(db);

    const forAccount = [];
    for (let request = 0; request < 60; request++) forAccount.push(await visitor().account.requestPasswordReset({ login: user.username }));
    const forNobody = [];
    for (let request = 0; request < 60; request++) forNobody.push(await fromAddress("198.51.100.1").account.requestPasswordReset({ login: "nobody" }));

    expect(new Set([...forAccount, ...forNobody].map((answer) => JSON.stringify(answer)))).toEqual(new Set([JSON.stringify({ ok: true })]));
    expect(await sentEmails(db)).toHaveLength(3);
    expect(await db.$count(accountTokens)).toBe(3);
    // The trail says which requests were mailed and why the others were not.
    const events = await recordedAuditEvents(db, { action: "account.password_reset_requested", subjectUserId: user.id });
    expect(events).toHaveLength(60);
    expect(events.slice(0, 3).map((event) => event.details)).toEqual(Array(3).fill({ accountFound: true, mailSent: true }));
    expect(events.slice(3).map((event) => event.details)).toEqual(Array(57).fill({ accountFound: true, mailSent: false, notSentBecause: "account_limit" }));
    const unknown = (await recordedAuditEvents(db, { action: "account.password_reset_requested" })).filter((event) => event.subjectUserId === null);
    expect(unknown).toHaveLength(60);
    expect(unknown[0]).toMatchObject({ targetLabel: null, details: { accountFound: false, mailSent: false, notSentBecause: "no_account" } });
  });

  it("sends only the limit's worth of username reminders too", async () => {
    const user = await createUser(db);
    const answers = [];
    for (let request = 0; request < 60; request++) answers.push(await visitor().account.remindUsername({ email: user.email }));
    for (let request = 0; request < 60; request++) answers.push(await visitor().account.remindUsername({ email: "nobody@example.test" }));

    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(new Set([JSON.stringify({ ok: true })]));
    expect(await sentEmails(db)).toHaveLength(3);
    const limited = await recordedAuditEvents(db, { action: "account.username_reminder_sent", subjectUserId: user.id });
    expect(limited.at(-1)?.details).toEqual({ accountFound: true, mailSent: false, notSentBecause: "account_limit" });
  });

  it("limits each kind of mail per account on its own, and all of them per address", async () => {
    const accounts = await Promise.all(Array.from({ length: 12 }, () => createUser(db)));
    for (const account of accounts) await visitor().account.requestPasswordReset({ login: account.username });
    // Ten accounts got their link; the address has had its share.
    expect(await sentEmails(db)).toHaveLength(10);
    const [, , , , , , , , , , eleventh] = await recordedAuditEvents(db, { action: "account.password_reset_requested" });
    expect(eleventh?.details).toEqual({ accountFound: true, mailSent: false, notSentBecause: "address_limit" });
    await visitor().account.remindUsername({ email: accounts[0]!.email });
    expect(await sentEmails(db)).toHaveLength(10);

    // From elsewhere, the twelfth account's owner still gets a link, and a username reminder is a mail of its own kind.
    await fromAddress("198.51.100.2").account.requestPasswordReset({ login: accounts[11]!.email });
    await fromAddress("198.51.100.2").account.remindUsername({ email: accounts[0]!.email });
    // Queued mail is delivered in no set order: what matters is that both went out.
    expect((await sentEmails(db)).map((message) => message.template).slice(10).sort()).toEqual(["passwordReset", "usernameReminder"]);
  });

  it("holds a burst of requests made at once to the limit", async () => {
    const user = await createUser(db);
    await Promise.all(Array.from({ length: 30 }, () => visitor().account.requestPasswordReset({ login: user.email })));
    expect(await sentEmails(db)).toHaveLength(3);
  });

  it("lets the hour move on", async () => {
    const user = await createUser(db);
    for (let request = 0; request < 4; request++) await visitor().account.requestPasswordReset({ login: user.username });
    expect(await sentEmails(db)).toHaveLength(3);
    await db.update(requestLimitHits).set({ createdAt: new Date(Date.now() - 61 * 60 * 1000) });
    await visitor().account.requestPasswordReset({ login: user.username });
    expect(await sentEmails(db)).toHaveLength(4);
  });

  it("keeps nothing of a login that matches no account", async () => {
    await visitor().account.requestPasswordReset({ login: "Hunter2-My-Password" });
    expect(JSON.stringify(await recordedAuditEvents(db)).toLowerCase()).not.toContain("hunter2-my-password");
  });
});
