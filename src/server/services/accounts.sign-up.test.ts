import { describe, expect, it } from "vitest";
import { env } from "@/env";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createSiteAdmin, createUser, recordedAuditEvents, testOrigin } from "@/test/factories";
import { requestLimitHits, users } from "../db/schema";
import { resolveSession } from "./sessions";

const db = setUpTestDatabase();

function signUpForm(overrides: Partial<Record<"username" | "email" | "password" | "passwordConfirmation", string>> = {}) {
  return {
    username: "ada",
    email: "ada@example.test",
    password: "analytical engine",
    passwordConfirmation: overrides.password ?? "analytical engine",
    acceptTerms: true as const,
    ...overrides,
  };
}

async function userCount(): Promise<number> {
  return db.$count(users);
}

describe("sign-up", () => {
  it("creates the account, signs it in and records the event", async () => {
    const sessions = new SessionRecorder();
    await expect(callerFor(anonymous(), { sessions }).account.signUp(signUpForm())).resolves.toEqual({ ok: true });

    const [account] = await db.select().from(users);
    expect(account).toMatchObject({ username: "ada", email: "ada@example.test", isSiteAdmin: false, isActive: true });
    expect(account!.passwordHash).toMatch(/^\$argon2id\$/);

    expect(sessions.started).toEqual([{ userId: account!.id, sessionVersion: account!.sessionVersion, sessionId: expect.any(String) }]);
    expect(await resolveSession(db, sessions.lastGrant())).toMatchObject({ id: account!.id, username: "ada" });

    const [event] = await recordedAuditEvents(db, { action: "account.sign_up" });
    expect(event).toMatchObject({
      actorUserId: null,
      actorLabel: "anonymous",
      targetType: "user",
      targetId: account!.id,
      targetLabel: "ada",
      subjectUserId: account!.id,
      ipAddress: testOrigin.ipAddress,
      userAgent: testOrigin.userAgent,
    });
  });

  it("keeps the username as typed and trims the e-mail", async () => {
    await callerFor(anonymous()).account.signUp(signUpForm({ username: "Ada_L", email: "  Ada@Example.test " }));
    const [account] = await db.select().from(users);
    expect(account).toMatchObject({ username: "Ada_L", email: "Ada@Example.test" });
  });

  it("refuses a username taken in any case, on the username field", async () => {
    await createUser(db, { username: "ada" });
    const sessions = new SessionRecorder();
    const failure = await failureOf(
      callerFor(anonymous(), { sessions }).account.signUp(signUpForm({ username: "ADA", email: "other@example.test" })),
    );
    expect(failure.code).toBe("CONFLICT");
    expect(failure.fieldErrors).toEqual({ username: "This username is taken." });
    expect(await userCount()).toBe(1);
    expect(sessions.started).toEqual([]);
    expect(await recordedAuditEvents(db, { action: "account.sign_up" })).toEqual([]);
  });

  it("refuses an e-mail address in use in any case, on the e-mail field", async () => {
    await createUser(db, { username: "someone", email: "ada@example.test" });
    const failure = await failureOf(callerFor(anonymous()).account.signUp(signUpForm({ email: "ADA@EXAMPLE.TEST" })));
    expect(failure.code).toBe("CONFLICT");
    expect(failure.fieldErrors).toEqual({ email: "An account with this e-mail address exists. Sign in, or recover your password." });
    expect(await userCount()).toBe(1);
  });

  it.each(["admin", "Settings", "sign-in", "t"])("refuses the reserved name %s", async (username) => {
    const failure = await failureOf(callerFor(anonymous()).account.signUp(signUpForm({ username })));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.fieldErrors).toEqual({ username: "This name is reserved; choose another." });
    expect(await userCount()).toBe(0);
  });

  it("reports form problems on their fields and creates nothing", async () => {
    const failure = await failureOf(
      callerFor(anonymous()).account.signUp({ ...signUpForm({ password: "short", passwordConfirmation: "shorter" }), acceptTerms: false as never }),
    );
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.fieldErrors).toEqual({
      password: "Passwords are at least 7 characters.",
      acceptTerms: "Accept the Terms and Conditions to sign up.",
    });
    expect(await userCount()).toBe(0);
  });

  it("refuses mismatched passwords on the confirmation field", async () => {
    const failure = await failureOf(callerFor(anonymous()).account.signUp(signUpForm({ passwordConfirmation: "analytical engine!" })));
    expect(failure.fieldErrors).toEqual({ passwordConfirmation: "The passwords do not match." });
  });

  it("is closed when an administrator closes registration, and creates nothing", async () => {
    const admin = await createSiteAdmin(db);
    await callerFor(admin.actor).admin.updateSettings({ openRegistration: false });
    expect(await callerFor(anonymous()).site.settings()).toEqual({ openRegistration: false, gravatar: false, accountType: "granary" });

    const sessions = new SessionRecorder();
    const failure = await failureOf(callerFor(anonymous(), { sessions }).account.signUp(signUpForm()));
    expect(failure.code).toBe("FORBIDDEN");
    expect(failure.message).toBe("Registration is closed on this site. Ask an administrator for an account.");
    expect(await userCount()).toBe(1);
    expect(sessions.started).toEqual([]);

    await callerFor(admin.actor).admin.updateSettings({ openRegistration: true });
    await expect(callerFor(anonymous()).account.signUp(signUpForm())).resolves.toEqual({ ok: true });
  });

  it("lets two people race for one username: exactly one wins", async () => {
    const attempts = await Promise.allSettled([
      callerFor(anonymous()).account.signUp(signUpForm({ username: "ada", email: "first@example.test" })),
      callerFor(anonymous()).account.signUp(signUpForm({ username: "Ada", email: "second@example.test" })),
    ]);
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    const [rejected] = attempts.filter((attempt) => attempt.status === "rejected");
    expect((rejected as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    expect(await userCount()).toBe(1);
  });
});

describe("sign-up limits", () => {
  const elsewhere = { ipAddress: "198.51.100.44", userAgent: null };
  const form = (index: number) => signUpForm({ username: `member${index}`, email: `member${index}@example.test` });

  it("creates only so many accounts an hour from one address, then refuses clearly and audits it", async () => {
    expect(env.SIGN_UPS_PER_IP_PER_HOUR).toBe(20);
    for (let index = 1; index <= 20; index++) await expect(callerFor(anonymous()).account.signUp(form(index))).resolves.toEqual({ ok: true });

    const refused = await failureOf(callerFor(anonymous()).account.signUp(form(21)));

    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/^Too many accounts were created from this address\. Wait (59|60) minutes before trying again\.$/);
    expect(await userCount()).toBe(20);
    const [event] = await recordedAuditEvents(db, { action: "account.sign_up_throttled" });
    expect(event).toMatchObject({ ipAddress: testOrigin.ipAddress, targetLabel: "member21", details: { reason: "address", limitPerHour: 20 } });
    await expect(callerFor(anonymous(elsewhere)).account.signUp(form(22))).resolves.toEqual({ ok: true });
  });

  it("counts only the accounts created, and lets a burst through no further than the limit", async () => {
    await createUser(db, { username: "taken" });
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await failureOf(callerFor(anonymous()).account.signUp(signUpForm({ username: "taken" })))).code).toBe("CONFLICT");
    }

    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, index) => callerFor(anonymous()).account.signUp(form(index))));

    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(20);
    expect(await userCount()).toBe(21);
  });

  it("lets the hour move on", async () => {
    for (let index = 1; index <= 20; index++) await callerFor(anonymous()).account.signUp(form(index));
    await db.update(requestLimitHits).set({ createdAt: new Date(Date.now() - 61 * 60 * 1000) });
    await expect(callerFor(anonymous()).account.signUp(form(21))).resolves.toEqual({ ok: true });
  });
});
