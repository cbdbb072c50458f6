import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { env } from "@/env";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createDeactivatedUser, createSiteAdmin, createUser, findUser, recordedAuditEvents, testOrigin } from "@/test/factories";
import { actorFromCredentialHeaders } from "../api/credentials";
import type { RequestOrigin } from "../authz";
import { clientAddressHeader } from "../client-address";
import { signInFailures } from "../db/schema";
import { accountDelayMilliseconds, authenticate } from "./sign-in";

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
    expect(event).toMatchObject({ subjectUserId: null, targetLabel: null, details: { reason: "unknown_account", method: "session" } });
  });

  it("keeps nothing of a name that matches no account: people type passwords there", async () => {
    await createUser(db, { username: "ada" });
    const typedPassword = "Correct-Horse-7-Battery";
    const attempts = [typedPassword, typedPassword, ` ${typedPassword.toUpperCase()} `];

    for (const login of attempts) expect((await failureOf(signIn(login, "ada's real password?"))).code).toBe("UNAUTHORIZED");

    const stored = JSON.stringify([await db.select().from(signInFailures), await recordedAuditEvents(db)]).toLowerCase();
    expect(stored).not.toContain(typedPassword.toLowerCase());
    // Yet the same unknown name is still counted as one, and recognizable in the trail by a keyed hash.
    const failures = await db.select().from(signInFailures);
    expect(new Set(failures.map((row) => row.loginKey)).size).toBe(1);
    expect(failures[0]?.loginKey).toMatch(/^login:[0-9a-f]{64}$/);
    const events = await recordedAuditEvents(db, { action: "auth.sign_in_failed" });
    expect(events.map((event) => event.targetLabel)).toEqual([null, null, null]);
    const hashes = new Set(events.map((event) => event.details.unknownLogin));
    expect([...hashes]).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]);
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

  it("forgets this address's failures after a successful sign-in", async () => {
    const user = await createUser(db);
    const limit = env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP;
    for (let attempt = 1; attempt < limit; attempt++) await failureOf(signIn(user.username, "not the password"));
    await signIn(user.username, user.password);
    expect(await db.$count(signInFailures, eq(signInFailures.loginKey, `account:${user.id}`))).toBe(0);
    // The counter starts afresh: as many failures as before are again tolerated.
    for (let attempt = 1; attempt < limit; attempt++) await failureOf(signIn(user.username, "not the password"));
    await expect(signIn(user.username, user.password)).resolves.toEqual({ ok: true });
  });
});

const attacker: RequestOrigin = { ipAddress: "192.0.2.66", userAgent: "credential-stuffer" };
const victimsAddress: RequestOrigin = { ipAddress: "198.51.100.10", userAgent: "Firefox" };

describe("sign-in throttling", () => {
  it("uses the documented limits", () => {
    expect(env.SIGN_IN_WINDOW_MINUTES).toBe(15);
    expect(env.SIGN_IN_MAX_FAILURES_PER_IP).toBe(20);
    expect(env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP).toBe(5);
    expect(env.SIGN_IN_DELAY_AFTER_ACCOUNT_FAILURES).toBe(10);
    expect(env.SIGN_IN_MAX_DELAY_SECONDS).toBe(10);
  });

  it("refuses the attacker's address, while the owner signs in at once from another, site administrators included", async () => {
    const admin = await createSiteAdmin(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP; attempt++) {
      expect((await failureOf(signIn(admin.username, `guess ${attempt}`, { origin: attacker }))).code).toBe("UNAUTHORIZED");
    }
    for (let attempt = 1; attempt <= 40; attempt++) {
      const refused = await failureOf(signIn(admin.username, `guess ${attempt}`, { origin: attacker }));
      expect(refused.code).toBe("TOO_MANY_REQUESTS");
    }
    // Not even the right password gets in from the attacker's address.
    const refused = await failureOf(signIn(admin.email, admin.password, { origin: attacker }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(
      /^Too many failed sign-in attempts for this account from this address\. Wait 1[45] minutes before trying again, or reset your password\.$/,
    );

    const sessions = new SessionRecorder();
    await expect(signIn(admin.username, admin.password, { origin: victimsAddress, sessions })).resolves.toEqual({ ok: true });

    expect(sessions.started).toEqual([{ userId: admin.id, sessionVersion: admin.sessionVersion, sessionId: expect.any(String) }]);
    const [signedIn] = await recordedAuditEvents(db, { action: "auth.sign_in" });
    expect(signedIn).toMatchObject({ subjectUserId: admin.id, ipAddress: victimsAddress.ipAddress, details: {} });
    const throttled = await recordedAuditEvents(db, { action: "auth.sign_in_throttled" });
    expect(throttled).toHaveLength(41);
    expect(throttled[0]).toMatchObject({
      ipAddress: attacker.ipAddress,
      subjectUserId: admin.id,
      targetLabel: admin.username,
      details: { reason: "account_from_address", failures: 5, method: "session" },
    });
    // Refused attempts check no password and count as no failure.
    expect(await db.$count(signInFailures)).toBe(5);
  });

  it("counts one account's failures from one address whatever name and case it was addressed by", async () => {
    const user = await createUser(db, { username: "grace", email: "grace@example.test" });
    for (const login of ["grace", "grace@example.test", "GRACE", "Grace@Example.test", "gRace"]) {
      expect((await failureOf(signIn(login, "not the password"))).code).toBe("UNAUTHORIZED");
    }
    expect((await failureOf(signIn("grace@example.test", user.password))).code).toBe("TOO_MANY_REQUESTS");
    await expect(signIn("grace", user.password, { origin: victimsAddress })).resolves.toEqual({ ok: true });
  });

  it("does not refuse other accounts from the same address", async () => {
    const target = await createUser(db);
    const other = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP; attempt++) {
      await failureOf(signIn(target.username, "not the password"));
    }
    await expect(signIn(other.username, other.password)).resolves.toEqual({ ok: true });
  });

  it("refuses an address that fails across many names, for every account, but not other addresses", async () => {
    const user = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_IP; attempt++) {
      // A different name each time, so no per-account limit is reached.
      expect((await failureOf(signIn(`guess${attempt}`, "password1", { origin: attacker }))).code).toBe("UNAUTHORIZED");
    }

    const failure = await failureOf(signIn(user.username, user.password, { origin: attacker }));

    expect(failure.code).toBe("TOO_MANY_REQUESTS");
    expect(failure.message).toMatch(/^Too many failed sign-in attempts from this address\. Wait 1[45] minutes before trying again\.$/);
    const [event] = await recordedAuditEvents(db, { action: "auth.sign_in_throttled" });
    expect(event).toMatchObject({ ipAddress: attacker.ipAddress, details: { reason: "address", failures: 20 } });
    await expect(signIn(user.username, user.password, { origin: testOrigin })).resolves.toEqual({ ok: true });
  });

  it("counts an IPv6 client by its /64, since it can take any address in it", async () => {
    const user = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP; attempt++) {
      const origin = { ipAddress: `2001:db8:66:66::${attempt.toString(16)}`, userAgent: null };
      expect((await failureOf(signIn(user.username, "not the password", { origin }))).code).toBe("UNAUTHORIZED");
    }
    const sameNetwork = { ipAddress: "2001:db8:66:66:ffff::1", userAgent: null };
    expect((await failureOf(signIn(user.username, user.password, { origin: sameNetwork }))).code).toBe("TOO_MANY_REQUESTS");
    await expect(signIn(user.username, user.password, { origin: { ipAddress: "2001:db8:66:67::1", userAgent: null } })).resolves.toEqual({ ok: true });
  });

  it("lets a burst of parallel guesses from one address through no further than the limit", async () => {
    const user = await createUser(db);

    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, attempt) => failureOf(signIn(user.username, `parallel guess ${attempt}`, { origin: attacker }))),
    );

    const codes = outcomes.map((outcome) => outcome.code).sort();
    expect(codes).toEqual([...Array(7).fill("TOO_MANY_REQUESTS"), ...Array(5).fill("UNAUTHORIZED")]);
    expect(await db.$count(signInFailures)).toBe(5);
  });

  it("lets failures older than the window expire", async () => {
    const user = await createUser(db);
    for (let attempt = 1; attempt <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP; attempt++) {
      await failureOf(signIn(user.username, "not the password"));
    }
    await db.update(signInFailures).set({ createdAt: new Date(Date.now() - (env.SIGN_IN_WINDOW_MINUTES + 1) * 60_000) });
    await expect(signIn(user.username, user.password)).resolves.toEqual({ ok: true });
  });
});

describe("the account-wide delay", () => {
  it("starts after the configured failures, doubles from a second, and stays bounded", () => {
    const delays = [0, 9, 10, 11, 12, 13, 14, 15, 40, 10_000].map(accountDelayMilliseconds);
    expect(delays).toEqual([0, 0, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
  });

  it("slows attempts on an account failing from many addresses, but never refuses its owner", async () => {
    const user = await createUser(db);
    const pauses: number[] = [];
    const options = { pause: async (milliseconds: number) => void pauses.push(milliseconds) };
    // A distributed attack: 10 addresses, 3 wrong guesses each, none reaching a per-address limit.
    for (let guess = 0; guess < 30; guess++) {
      const origin = { ipAddress: `198.51.100.${100 + Math.floor(guess / 3)}`, userAgent: null };
      await expect(authenticate(db, anonymous(origin), { login: user.username, password: `guess ${guess}` }, options)).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    // The first ten guesses wait for nothing; from then on each waits twice as long as the last, up to the bound.
    expect(pauses).toEqual([1000, 2000, 4000, 8000, ...Array(16).fill(10_000)]);

    // The owner, from an address that has not been failing, is slowed as much as the bound and no more, then let in.
    const grant = await authenticate(db, anonymous(victimsAddress), { login: user.username, password: user.password }, options);

    expect(grant).toEqual({ userId: user.id, sessionVersion: user.sessionVersion });
    expect(pauses.at(-1)).toBe(10_000);
    expect(pauses).toHaveLength(21);
    const failed = await recordedAuditEvents(db, { action: "auth.sign_in_failed" });
    expect(failed.at(-1)?.details).toMatchObject({ delaySeconds: 10, accountFailures: 29 });
  });
});

describe("Basic credentials sent to the API by scripts", () => {
  function basicHeaders(login: string, password: string, address: string) {
    return new Headers({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`, [clientAddressHeader]: address });
  }

  it("are bookkept like token uses: an audit event only from a new address, no sign-in per request", async () => {
    const user = await createUser(db);
    for (const address of ["192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.2"]) {
      const actor = await actorFromCredentialHeaders(db, basicHeaders(user.username, user.password, address));
      expect(actor).toMatchObject({ kind: "user", via: "password", user: { id: user.id }, origin: { ipAddress: address } });
    }

    expect(await recordedAuditEvents(db, { action: "auth.sign_in" })).toEqual([]);
    const uses = await recordedAuditEvents(db, { action: "auth.password_used_from_new_ip" });
    expect(uses.map((event) => event.ipAddress)).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(uses[0]).toMatchObject({ subjectUserId: user.id, actorUserId: user.id, targetLabel: user.username, details: { ipAddress: "192.0.2.1" } });
    const row = await findUser(db, user.id);
    expect(row).toMatchObject({ passwordLastUsedIp: "192.0.2.2", passwordSeenIps: ["192.0.2.1", "192.0.2.2"], lastSignInAt: null });
    expect(row?.passwordLastUsedAt).toBeInstanceOf(Date);
  });

  it("are throttled like the form: the attacker's address is refused, the owner's script gets in from another", async () => {
    const user = await createSiteAdmin(db);
    for (let guess = 1; guess <= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP; guess++) {
      await expect(actorFromCredentialHeaders(db, basicHeaders(user.username, `guess ${guess}`, attacker.ipAddress))).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(actorFromCredentialHeaders(db, basicHeaders(user.username, user.password, attacker.ipAddress))).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/^Too many failed sign-in attempts for this account from this address\./),
    });

    await expect(actorFromCredentialHeaders(db, basicHeaders(user.username, user.password, victimsAddress.ipAddress))).resolves.toMatchObject({
      user: { id: user.id },
    });
    const [failure] = await recordedAuditEvents(db, { action: "auth.sign_in_failed" });
    expect(failure).toMatchObject({ ipAddress: attacker.ipAddress, details: { method: "password", reason: "wrong_password" } });
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
