import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { env } from "@/env";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createDeactivatedUser, createUser, findUser, recordedAuditEvents, testOrigin } from "@/test/factories";
import type { RequestOrigin } from "../authz";
import { signInFailures } from "../db/schema";

const db = setUpTestDatabase();

const wrongCredentials = "The username, e-mail or password is not right.";

function signIn(login: string, password: string, options: { sessions?: SessionRecorder; origin?: RequestOrigin } = {}) {
  return callerFor(anonymous(options.origin), { sessions: options.sessions }).account.signIn({ login, password });
}

describe("sign-in", () => {
  it.each([
    ["the username", (user: { username: string }) => user.username],
    ["the username in another case", (user: { username: string }) => user.username.toUpperCase()],
    ["the e-mail address", (user: { email: string }) => user.email],
    ["the e-mail address in another case, with spaces", (user: { email: string }) => `  ${user.email.toUpperCase()} `],
  ])("accepts %s and starts a session", async (_description, loginOf) => {
    const user = await createUser(db, { username: "Ada", email: "ada@example.test" });
    const sessions = new SessionRecorder();

    await expect(signIn(loginOf(user), user.password, { sessions })).resolves.toEqual({ ok: true });

    expect(sessions.started).toEqual([{ userId: user.id, sessionVersion: user.sessionVersion, sessionId: expect.any(String) }]);
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_in" });
    expect(event).toMatchObject({ actorUserId: user.id, actorLabel: "Ada", subjectUserId: user.id, ipAddress: testOrigin.ipAddress });
    expect((await findUser(db, user.id))?.lastSignInAt).toBeInstanceOf(Date);
  });

  it("refuses a wrong password with UNAUTHORIZED and records the failure", async () => {
    const user = await createUser(db);
    const sessions = new SessionRecorder();

    const failure = await failureOf(signIn(user.username, "not the password", { sessions }));

    expect(failure.code).toBe("UNAUTHORIZED");
    expect(failure.message).toBe(wrongCredentials);
    expect(sessions.started).toEqual([]);
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_in_failed" });
    expect(event).toMatchObject({ subjectUserId: user.id, targetLabel: user.username, details: { reason: "wrong_password" } });
  });

  it("answers an unknown account exactly like a wrong password", async () => {
    const failure = await failureOf(signIn("nobody", "whatever password"));
    expect(failure.code).toBe("UNAUTHORIZED");
    expect(failure.message).toBe(wrongCredentials);
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_in_failed" });
    expect(event).toMatchObject({ subjectUserId: null, targetLabel: "nobody", details: { reason: "unknown_account" } });
  });

  it("refuses a deactivated account even with the right password", async () => {
    const user = await createDeactivatedUser(db);
    const sessions = new SessionRecorder();

    const failure = await failureOf(signIn(user.username, user.password, { sessions }));

    expect(failure.code).toBe("FORBIDDEN");
    expect(failure.message).toBe("This account has been deactivated. Contact a site administrator.");
    expect(sessions.started).toEqual([]);
    expect(await recordedAuditEvents(db, { action: "auth.sign_in" })).toEqual([]);
  });

  it("forgets earlier failures after a successful sign-in", async () => {
    const user = await createUser(db);
    for (let attempt = 1; attempt < env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT; attempt++) {
      await failureOf(signIn(user.username, "not the password"));
    }
    await signIn(user.username, user.password);
    expect(await db.$count(signInFailures, eq(signInFailures.loginKey, user.username))).toBe(0);
    // The counter starts afresh: as many failures as before are again tolerated.
    for (let attempt = 1; attempt < env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT; attempt++) {
      await failureOf(signIn(user.username, "not the password"));
    }
    await expect(signIn(user.username, user.password)).resolves.toEqual({ ok: true });
  });
});

describe("sign-in throttling", () => {
  it("uses the documented limits", () => {
    expect(env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT).toBe(5);
    expect(env.SIGN_IN_MAX_FAILURES_PER_IP).toBe(20);
    expect(env.SIGN_IN_WINDOW_MINUTES).toBe(15);
  });

  it("locks an account after too many failures, even against the right password", async () => {
    const user = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT; attempt++) {
      // Spread over addresses, so only the per-account limit can be what stops the last attempt.
      const origin = { ipAddress: `198.51.100.${attempt}`, userAgent: null };
      expect((await failureOf(signIn(user.username, "not the password", { origin }))).code).toBe("UNAUTHORIZED");
    }
    const sessions = new SessionRecorder();

    const failure = await failureOf(signIn(user.username, user.password, { sessions }));

    expect(failure.code).toBe("TOO_MANY_REQUESTS");
    expect(failure.message).toMatch(/^Too many failed sign-in attempts\. Wait 1[45] minutes before trying again, or reset your password\.$/);
    expect(sessions.started).toEqual([]);
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_in_throttled" });
    expect(event).toMatchObject({ subjectUserId: user.id, details: { reason: "account", failures: 5 } });
  });

  it("counts failures per account whatever the case of the login", async () => {
    const user = await createUser(db, { username: "ada" });
    for (const login of ["ada", "ADA", "Ada", "aDa", "adA"]) await failureOf(signIn(login, "not the password"));
    expect((await failureOf(signIn("ada", user.password))).code).toBe("TOO_MANY_REQUESTS");
  });

  it("counts failures by username and by e-mail against one account", async () => {
    const user = await createUser(db, { username: "grace", email: "grace@example.test" });
    for (const login of ["grace", "grace@example.test", "GRACE", "Grace@Example.test", "grace"]) {
      expect((await failureOf(signIn(login, "not the password"))).code).toBe("UNAUTHORIZED");
    }
    expect((await failureOf(signIn("grace@example.test", user.password))).code).toBe("TOO_MANY_REQUESTS");
  });

  it("does not lock other accounts", async () => {
    const target = await createUser(db);
    const other = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT; attempt++) {
      await failureOf(signIn(target.username, "not the password"));
    }
    await expect(signIn(other.username, other.password)).resolves.toEqual({ ok: true });
  });

  it("locks an address that fails across many logins, but not other addresses", async () => {
    const user = await createUser(db);
    const attacker: RequestOrigin = { ipAddress: "192.0.2.66", userAgent: "spray" };
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_IP; attempt++) {
      // A different login each time, so no per-account limit is reached.
      expect((await failureOf(signIn(`guess${attempt}`, "password1", { origin: attacker }))).code).toBe("UNAUTHORIZED");
    }

    const failure = await failureOf(signIn(user.username, user.password, { origin: attacker }));

    expect(failure.code).toBe("TOO_MANY_REQUESTS");
    expect(failure.message).toMatch(/^Too many failed sign-in attempts\./);
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_in_throttled" });
    expect(event).toMatchObject({ ipAddress: attacker.ipAddress, details: { reason: "ip", failures: 20 } });
    await expect(signIn(user.username, user.password, { origin: testOrigin })).resolves.toEqual({ ok: true });
  });

  it("lets failures older than the window expire", async () => {
    const user = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT; attempt++) {
      await failureOf(signIn(user.username, "not the password"));
    }
    await db.update(signInFailures).set({ createdAt: new Date(Date.now() - (env.SIGN_IN_WINDOW_MINUTES + 1) * 60_000) });
    await expect(signIn(user.username, user.password)).resolves.toEqual({ ok: true });
  });
});

describe("sign-out", () => {
  it("ends the session and records the event", async () => {
    const user = await createUser(db);
    const sessions = new SessionRecorder();
    await expect(callerFor(user.actor, { sessions }).account.signOut()).resolves.toEqual({ ok: true });
    expect(sessions.endedCount).toBe(1);
    expect(await recordedAuditEvents(db, { action: "auth.sign_out", subjectUserId: user.id })).toHaveLength(1);
  });
});
