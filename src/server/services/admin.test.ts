import { eq } from "drizzle-orm";
import { describe, expect, inject, it, vi } from "vitest";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { drainJobs } from "@/test/jobs";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createPublishedPackage, createSession, createSiteAdmin, createTestOrganization, createUser, findUser, recordedAuditEvents } from "@/test/factories";
import { connectDatabase } from "../db/client";
import { auditEvents, emailMessages, plans, sessions, users } from "../db/schema";
import type { BrowserSession } from "./account-records";
import { resolveSession } from "./sessions";
import { ensureFirstAdmin } from "./admin";
import { recordException } from "./exceptions";
import { verifyPassword } from "./passwords";
import { getSiteSettings, isRegistrationOpen } from "./site-settings";

const db = setUpTestDatabase();

async function signedInGrant(login: string, password: string): Promise<BrowserSession> {
  const sessions = new SessionRecorder();
  await callerFor(anonymous(), { sessions }).account.signIn({ login, password });
  return sessions.lastGrant();
}

describe("deactivating and reactivating accounts", () => {
  it("ends the account's sessions at once and records who did it", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const user = await createUser(db, { username: "ada" });
    const grant = await signedInGrant(user.username, user.password);

    await expect(callerFor(admin.actor).admin.setUserActive({ userId: user.id, active: false })).resolves.toEqual({
      id: user.id,
      username: "ada",
      isActive: false,
    });

    expect(await resolveSession(db, grant)).toBeNull();
    const [event] = await recordedAuditEvents(db, { action: "admin.user_deactivated" });
    expect(event).toMatchObject({ actorUserId: admin.id, actorLabel: "boss", targetId: user.id, subjectUserId: user.id });
    expect((await failureOf(callerFor(anonymous()).account.signIn({ login: "ada", password: user.password }))).code).toBe("FORBIDDEN");
  });

  it("lets a reactivated account sign in again, without reviving old sessions", async () => {
    const admin = await createSiteAdmin(db);
    const user = await createUser(db);
    const grant = await signedInGrant(user.username, user.password);
    await callerFor(admin.actor).admin.setUserActive({ userId: user.id, active: false });

    await callerFor(admin.actor).admin.setUserActive({ userId: user.id, active: true });

    expect(await resolveSession(db, grant)).toBeNull();
    expect(await recordedAuditEvents(db, { action: "admin.user_reactivated" })).toHaveLength(1);
    const freshGrant = await signedInGrant(user.username, user.password);
    expect(await resolveSession(db, freshGrant)).toMatchObject({ id: user.id });
  });

  it("refuses to let administrators lock themselves out", async () => {
    const admin = await createSiteAdmin(db);
    const failure = await failureOf(callerFor(admin.actor).admin.setUserActive({ userId: admin.id, active: false }));
    expect(failure.code).toBe("PRECONDITION_FAILED");
    expect((await findUser(db, admin.id))?.isActive).toBe(true);
  });

  it("answers NOT_FOUND for an unknown account and BAD_REQUEST for a malformed id", async () => {
    const admin = await createSiteAdmin(db);
    const unknown = await failureOf(
      callerFor(admin.actor).admin.setUserActive({ userId: "00000000-0000-4000-8000-000000000000", active: false }),
    );
    expect(unknown.code).toBe("NOT_FOUND");
    const malformed = await failureOf(callerFor(admin.actor).admin.setUserActive({ userId: "ada", active: false }));
    expect(malformed.code).toBe("BAD_REQUEST");
    expect(malformed.fieldErrors).toEqual({ userId: "Unknown account." });
  });
});

describe("the first administrator", () => {
  it("is created once, with a generated password that works, and never again", async () => {
    const created = await ensureFirstAdmin(db, { username: "siteadmin", email: "admin@localhost" });

    expect(created).toMatchObject({ username: "siteadmin", generated: true });
    const [admin] = await db.select().from(users);
    expect(admin).toMatchObject({ username: "siteadmin", email: "admin@localhost", isSiteAdmin: true, isActive: true, keepsLocalPassword: true });
    expect(await verifyPassword(admin!.passwordHash, created!.password)).toBe(true);
    expect(await recordedAuditEvents(db, { action: "admin.first_admin_created" })).toHaveLength(1);

    expect(await ensureFirstAdmin(db, { username: "siteadmin", email: "admin@localhost" })).toBeNull();
    expect(await db.$count(users)).toBe(1);
    expect(await db.$count(users, eq(users.isSiteAdmin, true))).toBe(1);
  });

  it("uses the configured password when there is one", async () => {
    const created = await ensureFirstAdmin(db, { username: "root-admin", email: "root@example.test", password: "configured secret" });
    expect(created).toEqual({ username: "root-admin", password: "configured secret", generated: false });
    await expect(callerFor(anonymous()).account.signIn({ login: "root-admin", password: "configured secret" })).resolves.toEqual({ ok: true });
  });

  it("is not created when any administrator exists", async () => {
    await createSiteAdmin(db, { username: "existing" });
    expect(await ensureFirstAdmin(db, { username: "siteadmin", email: "admin@localhost" })).toBeNull();
    expect(await db.$count(users)).toBe(1);
  });

  it("refuses a first administrator's name that the site's own routes use", async () => {
    await expect(ensureFirstAdmin(db, { username: "admin", email: "admin@localhost" })).rejects.toThrow(/GRANARY_ADMIN_USERNAME=admin cannot be used: This name is reserved/);
    expect(await db.$count(users)).toBe(0);
  });

  it("explains how to recover when its name is taken by an ordinary account", async () => {
    await createUser(db, { username: "siteadmin" });
    await expect(ensureFirstAdmin(db, { username: "siteadmin", email: "admin@localhost" })).rejects.toThrow(/GRANARY_ADMIN_USERNAME/);
    expect(await db.$count(users, eq(users.isSiteAdmin, true))).toBe(0);
  });
});

describe("site settings", () => {
  it("opens registration by default", async () => {
    expect(await getSiteSettings(db)).toEqual({ openRegistration: true, gravatar: false, accountType: "granary" });
    expect(await isRegistrationOpen(db)).toBe(true);
  });

  it("are changed by administrators, with the change audited", async () => {
    const admin = await createSiteAdmin(db);
    await expect(callerFor(admin.actor).admin.updateSettings({ openRegistration: false })).resolves.toEqual({ openRegistration: false, gravatar: false, accountType: "granary" });
    expect(await isRegistrationOpen(db)).toBe(false);
    const [event] = await recordedAuditEvents(db, { action: "admin.settings_updated" });
    expect(event).toMatchObject({ actorUserId: admin.id, details: { before: { openRegistration: true }, after: { openRegistration: false } } });
  });

  it("turn Gravatar on only when asked, and keep it when a form leaves it out", async () => {
    const admin = await createSiteAdmin(db);
    await callerFor(admin.actor).admin.updateSettings({ openRegistration: true, gravatar: true });
    await expect(callerFor(admin.actor).admin.updateSettings({ openRegistration: false })).resolves.toEqual({ openRegistration: false, gravatar: true, accountType: "granary" });
    await expect(callerFor(admin.actor).admin.updateSettings({ openRegistration: false, gravatar: false })).resolves.toEqual({ openRegistration: false, gravatar: false, accountType: "granary" });
  });
});

describe("the user list", () => {
  it("searches usernames and e-mails, treating % and _ literally", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    await createUser(db, { username: "ada_l", email: "ada@example.test" });
    await createUser(db, { username: "adaXl", email: "other@example.test" });
    await createUser(db, { username: "bob", email: "bob@ada.example" });

    const byUnderscore = await callerFor(admin.actor).admin.listUsers({ query: "a_l" });
    expect(byUnderscore.items.map((user) => user.username)).toEqual(["ada_l"]);

    const byText = await callerFor(admin.actor).admin.listUsers({ query: "ADA" });
    expect(byText.items.map((user) => user.username)).toEqual(["ada_l", "adaXl", "bob"]);
    expect(byText.total).toBe(3);

    expect((await callerFor(admin.actor).admin.listUsers({ query: "%" })).total).toBe(0);
    const everyone = await callerFor(admin.actor).admin.listUsers({ pageSize: 2 });
    expect(everyone).toMatchObject({ total: 4, page: 1, pageSize: 2 });
    expect(everyone.items.map((user) => user.username)).toEqual(["ada_l", "adaXl"]);
    expect(everyone.items[0]).not.toHaveProperty("passwordHash");
  });
});

describe("the organization list", () => {
  it("lists organizations alone, with members, owners, packages and plan, a page after another by name", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const alice = await createUser(db, { username: "alice" });
    const bob = await createUser(db, { username: "bob" });
    const beta = await createTestOrganization(db, alice, "Beta");
    await createTestOrganization(db, bob, "alpha");
    await createTestOrganization(db, bob, "gamma_1");
    await callerFor(alice.actor).organizations.addMember({ organization: "Beta", username: "bob" });
    await createPublishedPackage(db, beta, "beta-tools");
    const [organizationPlan] = await db.select().from(plans).where(eq(plans.slug, "organization"));
    await db.update(users).set({ planId: organizationPlan!.id }).where(eq(users.id, beta.id));
    const api = callerFor(admin.actor).admin;

    const first = await api.listOrganizations({ pageSize: 2 });
    expect(first.items).toEqual([
      expect.objectContaining({ username: "alpha", members: 1, owners: ["bob"], packages: 0, plan: "Free", planSlug: "free-organization" }),
      expect.objectContaining({ username: "Beta", members: 2, owners: ["alice"], packages: 1, plan: "Organization", planSlug: "organization" }),
    ]);
    expect(first.nextAfter).toBe("Beta");
    const second = await api.listOrganizations({ pageSize: 2, after: first.nextAfter! });
    expect(second).toMatchObject({ items: [expect.objectContaining({ username: "gamma_1" })], nextAfter: null });
    // Searching treats _ literally; people's accounts are never listed.
    expect((await api.listOrganizations({ query: "a_1" })).items.map((row) => row.username)).toEqual(["gamma_1"]);
    expect((await api.listOrganizations({ query: "alice" })).items).toEqual([]);
    // And the user list lists people only.
    expect((await api.listUsers({})).items.map((row) => row.username)).toEqual(["alice", "bob", "boss"]);

    expect((await failureOf(callerFor(alice.actor).admin.listOrganizations({}))).code).toBe("FORBIDDEN");
  });
});

describe("outbox, errors and the security log", () => {
  it("shows administrators the outgoing mail, and each message in full", async () => {
    const admin = await createSiteAdmin(db);
    const user = await createUser(db);
    await callerFor(anonymous()).account.requestPasswordReset({ login: user.username });
    // The reset mail is delivered by its job, as a worker would run it.
    await drainJobs();

    const outbox = await callerFor(admin.actor).admin.listOutbox({});
    expect(outbox.total).toBe(1);
    expect(outbox.items[0]).toMatchObject({ transport: "outbox", toAddress: user.email, subject: "Reset your Granary password" });
    expect(outbox.items[0]).not.toHaveProperty("html");

    const message = await callerFor(admin.actor).admin.getOutboxMessage({ id: outbox.items[0]!.id });
    expect(message.html).toContain("/reset-password?token=");
    expect(message.text).toContain("/reset-password?token=");

    const missing = await failureOf(callerFor(admin.actor).admin.getOutboxMessage({ id: "00000000-0000-4000-8000-000000000000" }));
    expect(missing.code).toBe("NOT_FOUND");
    expect(await db.$count(emailMessages)).toBe(1);
  });

  it("records unexpected errors for the panel", async () => {
    const admin = await createSiteAdmin(db);
    const id = await recordException(db, new Error("disk on fire"), { route: "/api/trpc/x", method: "POST", userId: admin.id });
    expect(id).toEqual(expect.any(String));
    await recordException(db, "a thrown string", {});

    const recorded = await callerFor(admin.actor).admin.listExceptions({});
    expect(recorded.total).toBe(2);
    expect(recorded.items.map((item) => item.message).sort()).toEqual(["a thrown string", "disk on fire"]);
    const group = recorded.items.find((item) => item.message === "disk on fire")!;
    const detail = await callerFor(admin.actor).exceptions.group({ fingerprint: group.fingerprint });
    expect(detail.latestOccurrences[0]).toMatchObject({ id, route: "/api/trpc/x", method: "POST", username: admin.username });
  });

  it("never throws while recording an error, even without a database", async () => {
    const missingDatabaseUrl = new URL(inject("templateDatabaseUrl"));
    missingDatabaseUrl.pathname = "/no_such_database";
    const unreachable = connectDatabase(missingDatabaseUrl.toString(), { max: 1 });
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(recordException(unreachable.db, new Error("original problem"), {})).resolves.toBeNull();
      expect(consoleError).toHaveBeenCalledOnce();
    } finally {
      consoleError.mockRestore();
      await unreachable.close();
    }
  });

  it("shows administrators the whole security log", async () => {
    const admin = await createSiteAdmin(db);
    const ada = await createUser(db);
    await signedInGrant(ada.username, ada.password);
    await failureOf(callerFor(anonymous()).account.signIn({ login: "nobody", password: "whatever" }));

    const log = await callerFor(admin.actor).admin.listSecurityLog({});
    expect(log.total).toBe(2);
    expect(log.items.map((event) => event.action).sort()).toEqual(["auth.sign_in", "auth.sign_in_failed"]);
    expect(await db.$count(auditEvents)).toBe(2);
  });
});

describe("the exceptions' read marker", () => {
  it("counts unread errors until an administrator marks them all read, which is audited", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const api = callerFor(admin.actor).admin;
    expect(await api.unreadExceptionCount()).toEqual({ unread: 0 });
    await recordException(db, new Error("first"), {});
    await recordException(db, new Error("second"), {});
    expect(await api.unreadExceptionCount()).toEqual({ unread: 2 });

    expect(await api.markExceptionsRead()).toEqual({ marked: 2 });
    expect(await api.unreadExceptionCount()).toEqual({ unread: 0 });
    expect((await api.listExceptions({})).items.every((item) => !item.unread)).toBe(true);
    const [event] = await recordedAuditEvents(db, { action: "admin.exceptions_marked_read" });
    expect(event).toMatchObject({ actorUserId: admin.id, details: { marked: 2 } });

    await recordException(db, new Error("third"), {});
    expect(await api.unreadExceptionCount()).toEqual({ unread: 1 });
  });
});

describe("the users signed in now", () => {
  it("lists active accounts with a live session seen lately, by name, a page after another", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const names = ["carol", "ada", "bob"];
    for (const username of names) await createSession(db, await createUser(db, { username }));
    const idle = await createUser(db, { username: "dave" });
    const idleSession = await createSession(db, idle);
    await db.update(sessions).set({ lastSeenAt: new Date(Date.now() - 3 * 60 * 60 * 1000) }).where(eq(sessions.userId, idle.id));
    const revoked = await createUser(db, { username: "eve" });
    await createSession(db, revoked);
    await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.userId, revoked.id));
    expect(idleSession).toBeTruthy();

    const api = callerFor(admin.actor).admin;
    const first = await api.listActiveUsers({ pageSize: 2 });
    expect(first.items.map((user) => user.username)).toEqual(["ada", "bob"]);
    expect(first.nextAfter).toBe("bob");
    const second = await api.listActiveUsers({ pageSize: 2, after: first.nextAfter! });
    expect(second.items.map((user) => user.username)).toEqual(["carol"]);
    expect(second.nextAfter).toBeNull();
  });
});
