import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import {
  actorFor,
  anonymous,
  createSiteAdmin,
  createTestOrganization,
  createUser,
  findUser,
  linkTokenIn,
  onlyEmailTo,
  recordedAuditEvents,
  sentEmails,
  type TestUser,
} from "@/test/factories";
import { auditEvents, users } from "../db/schema";
import type { BrowserSession } from "./account-records";
import { resolveSession } from "./sessions";

const db = setUpTestDatabase();

/** Signs the account in through the router and returns the grant its session carries. */
async function signedInGrant(user: TestUser): Promise<BrowserSession> {
  const sessions = new SessionRecorder();
  await callerFor(anonymous(), { sessions }).account.signIn({ login: user.username, password: user.password });
  return sessions.lastGrant();
}

describe("account details", () => {
  it("shows the caller's own account", async () => {
    const user = await createUser(db, { username: "ada", name: "Ada" });
    expect(await callerFor(user.actor).account.get()).toMatchObject({
      id: user.id,
      username: "ada",
      email: "ada@example.test",
      name: "Ada",
      isSiteAdmin: false,
      pendingEmail: null,
    });
  });

  it("updates the display name, and clears it when blank", async () => {
    const user = await createUser(db, { name: "Ada" });
    await callerFor(user.actor).account.updateProfile({ name: "  Ada Lovelace " });
    expect((await findUser(db, user.id))?.name).toBe("Ada Lovelace");
    await callerFor(user.actor).account.updateProfile({ name: "   " });
    expect((await findUser(db, user.id))?.name).toBeNull();
    expect(await recordedAuditEvents(db, { action: "account.profile_updated" })).toHaveLength(2);
  });
});

describe("changing the password", () => {
  const form = (user: TestUser, newPassword = "a brand new password") => ({
    currentPassword: user.password,
    newPassword,
    newPasswordConfirmation: newPassword,
  });

  it("requires the current password, on its field", async () => {
    const user = await createUser(db);
    const failure = await failureOf(callerFor(user.actor).account.changePassword({ ...form(user), currentPassword: "not it" }));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.fieldErrors).toEqual({ currentPassword: "Your current password is not right." });
    expect((await findUser(db, user.id))?.passwordHash).toBe(user.passwordHash);
    expect(await sentEmails(db)).toEqual([]);
  });

  it("ends every session, gives the caller a fresh one and e-mails a notice", async () => {
    const user = await createUser(db);
    const otherDevice = await signedInGrant(user);
    const sessions = new SessionRecorder();

    await expect(callerFor(user.actor, { sessions }).account.changePassword(form(user))).resolves.toEqual({ ok: true });

    expect(await resolveSession(db, otherDevice)).toBeNull();
    expect(sessions.started).toEqual([{ userId: user.id, sessionVersion: otherDevice.sessionVersion + 1, sessionId: expect.any(String) }]);
    expect(await resolveSession(db, sessions.lastGrant())).toMatchObject({ id: user.id });

    const notice = await onlyEmailTo(db, user.email);
    expect(notice.subject).toBe("Your Granary password was changed");
    expect(notice.text).toContain("http://granary.test/settings/security");
    expect(await recordedAuditEvents(db, { action: "account.password_changed", subjectUserId: user.id })).toHaveLength(1);

    await expect(
      callerFor(anonymous()).account.signIn({ login: user.username, password: "a brand new password" }),
    ).resolves.toEqual({ ok: true });
    expect((await failureOf(callerFor(anonymous()).account.signIn({ login: user.username, password: user.password }))).code).toBe(
      "UNAUTHORIZED",
    );
  });

  it("applies the password rules to the new password", async () => {
    const user = await createUser(db);
    const failure = await failureOf(callerFor(user.actor).account.changePassword(form(user, "short")));
    expect(failure.fieldErrors).toEqual({ newPassword: "Passwords are at least 7 characters." });
  });
});

describe("changing the e-mail address", () => {
  it("takes effect only once the link sent to the new address is followed", async () => {
    const user = await createUser(db, { email: "ada@example.test" });

    await expect(
      callerFor(user.actor).account.requestEmailChange({ email: "ada@new.example", currentPassword: user.password }),
    ).resolves.toEqual({ ok: true });

    expect((await findUser(db, user.id))?.email).toBe("ada@example.test");
    expect(await callerFor(user.actor).account.get()).toMatchObject({ email: "ada@example.test", pendingEmail: "ada@new.example" });
    const confirmation = await onlyEmailTo(db, "ada@new.example");
    expect(confirmation.subject).toBe("Confirm your new Granary e-mail address");
    const token = linkTokenIn(confirmation, "/confirm-email");

    // The link works from any browser, signed in or not.
    await expect(callerFor(anonymous()).account.confirmEmailChange({ token })).resolves.toEqual({ email: "ada@new.example", outcome: "changed" });

    expect((await findUser(db, user.id))?.email).toBe("ada@new.example");
    expect(await callerFor(user.actor).account.get()).toMatchObject({ email: "ada@new.example", pendingEmail: null });
    const notice = await onlyEmailTo(db, "ada@example.test");
    expect(notice.subject).toBe("Your Granary e-mail address was changed");
    const [event] = await recordedAuditEvents(db, { action: "account.email_changed" });
    expect(event).toMatchObject({ subjectUserId: user.id, details: { previousEmail: "ada@example.test", newEmail: "ada@new.example" } });

    const reused = await failureOf(callerFor(anonymous()).account.confirmEmailChange({ token }));
    expect(reused.code).toBe("BAD_REQUEST");
    expect(reused.fieldErrors).toHaveProperty("token");
  });

  it("requires the current password", async () => {
    const user = await createUser(db);
    const failure = await failureOf(callerFor(user.actor).account.requestEmailChange({ email: "ada@new.example", currentPassword: "not it" }));
    expect(failure.fieldErrors).toEqual({ currentPassword: "Your current password is not right." });
    expect(await sentEmails(db)).toEqual([]);
  });

  it("refuses an address another account uses, in any case", async () => {
    const user = await createUser(db);
    await createUser(db, { email: "taken@example.test" });
    const failure = await failureOf(
      callerFor(user.actor).account.requestEmailChange({ email: "TAKEN@example.test", currentPassword: user.password }),
    );
    expect(failure.code).toBe("CONFLICT");
    expect(failure.fieldErrors).toEqual({ email: "Another account uses this e-mail address." });
    expect(await sentEmails(db)).toEqual([]);
  });

  it("refuses the address the account already has", async () => {
    const user = await createUser(db, { email: "ada@example.test" });
    const failure = await failureOf(
      callerFor(user.actor).account.requestEmailChange({ email: "Ada@Example.test", currentPassword: user.password }),
    );
    expect(failure.fieldErrors).toEqual({ email: "This is already your e-mail address." });
  });

  it("refuses the link when someone else took the address in the meantime", async () => {
    const user = await createUser(db);
    await callerFor(user.actor).account.requestEmailChange({ email: "contested@example.test", currentPassword: user.password });
    const token = linkTokenIn(await onlyEmailTo(db, "contested@example.test"), "/confirm-email");
    await createUser(db, { email: "Contested@example.test" });

    const failure = await failureOf(callerFor(anonymous()).account.confirmEmailChange({ token }));

    expect(failure.code).toBe("CONFLICT");
    expect(failure.fieldErrors).toEqual({ token: "Another account has taken this e-mail address since the link was sent." });
    expect((await findUser(db, user.id))?.email).toBe(user.email);
  });

  it("keeps only the latest request's link alive", async () => {
    const user = await createUser(db);
    await callerFor(user.actor).account.requestEmailChange({ email: "first@example.test", currentPassword: user.password });
    await callerFor(user.actor).account.requestEmailChange({ email: "second@example.test", currentPassword: user.password });
    const firstToken = linkTokenIn(await onlyEmailTo(db, "first@example.test"), "/confirm-email");

    expect((await failureOf(callerFor(anonymous()).account.confirmEmailChange({ token: firstToken }))).fieldErrors).toHaveProperty("token");
    expect(await callerFor(user.actor).account.get()).toMatchObject({ pendingEmail: "second@example.test" });
  });
});

describe("confirming the address", () => {
  async function signUpAda() {
    await callerFor(anonymous()).account.signUp({
      username: "ada",
      email: "ada@example.test",
      password: "analytical engine",
      passwordConfirmation: "analytical engine",
      acceptTerms: true,
    });
    const [ada] = await db.select().from(users).where(eq(users.username, "ada"));
    return { ada: ada!, api: callerFor(actorFor(ada!)) };
  }

  it("is done by the link sent at sign-up, which says the address is confirmed", async () => {
    const { ada, api } = await signUpAda();
    expect((await api.account.get()).emailConfirmedAt).toBeNull();
    const token = linkTokenIn(await onlyEmailTo(db, ada.email), "/confirm-email");
    await expect(callerFor(anonymous()).account.confirmEmailChange({ token })).resolves.toEqual({ email: "ada@example.test", outcome: "confirmed" });
    expect((await api.account.get()).emailConfirmedAt).toBeInstanceOf(Date);
    expect((await failureOf(api.account.resendEmailConfirmation())).message).toBe("Your address ada@example.test is confirmed already.");
  });

  it("sends a fresh link on request, audited, and only the newest link works", async () => {
    const { ada, api } = await signUpAda();
    const first = linkTokenIn((await sentEmails(db, { to: ada.email }))[0]!, "/confirm-email");
    await expect(api.account.resendEmailConfirmation()).resolves.toEqual({ email: "ada@example.test" });
    const messages = await sentEmails(db, { to: ada.email });
    expect(messages.map((message) => message.subject)).toEqual(["Confirm your Granary e-mail address", "Confirm your Granary e-mail address"]);
    const second = linkTokenIn(messages[1]!, "/confirm-email");
    expect((await failureOf(callerFor(anonymous()).account.confirmEmailChange({ token: first }))).fieldErrors).toHaveProperty("token");
    await expect(callerFor(anonymous()).account.confirmEmailChange({ token: second })).resolves.toMatchObject({ outcome: "confirmed" });
    expect(await recordedAuditEvents(db, { action: "account.email_confirmation_sent", subjectUserId: ada.id })).toHaveLength(1);
  });

  it("sends at most three links an hour, the sign-up one included, and says when to ask again", async () => {
    const { ada, api } = await signUpAda();
    await api.account.resendEmailConfirmation();
    await api.account.resendEmailConfirmation();
    const refused = await failureOf(api.account.resendEmailConfirmation());
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/^3 confirmation links were sent to ada@example\.test in the last hour\. .* ask again in (60|59) minutes\.$/);
    expect(await sentEmails(db, { to: ada.email })).toHaveLength(3);
    expect(await recordedAuditEvents(db, { action: "account.email_confirmation_sent" })).toHaveLength(2);
  });
});

describe("deleting the account", () => {
  it("requires the username typed exactly", async () => {
    const user = await createUser(db, { username: "Ada" });
    const failure = await failureOf(callerFor(user.actor).account.delete({ confirmation: "ada", currentPassword: user.password }));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.fieldErrors).toEqual({ confirmation: "Type your username, Ada, exactly to confirm." });
    expect(await findUser(db, user.id)).toBeDefined();
  });

  it("requires the password", async () => {
    const user = await createUser(db);
    const failure = await failureOf(callerFor(user.actor).account.delete({ confirmation: user.username, currentPassword: "not it" }));
    expect(failure.fieldErrors).toEqual({ currentPassword: "Your current password is not right." });
    expect(await findUser(db, user.id)).toBeDefined();
  });

  it("removes the account, ends the session and keeps the audit trail", async () => {
    const user = await createUser(db);
    const grant = await signedInGrant(user);
    const sessions = new SessionRecorder();

    await expect(
      callerFor(user.actor, { sessions }).account.delete({ confirmation: user.username, currentPassword: user.password }),
    ).resolves.toEqual({ ok: true });

    expect(await findUser(db, user.id)).toBeUndefined();
    expect(sessions.endedCount).toBe(1);
    expect(await resolveSession(db, grant)).toBeNull();
    const [deleted] = await db.select().from(auditEvents).where(eq(auditEvents.action, "account.deleted"));
    // The foreign keys are cleared; the labels keep the trail readable.
    expect(deleted).toMatchObject({ actorUserId: null, actorLabel: user.username, targetId: user.id, targetLabel: user.username });
    expect(await db.$count(auditEvents, eq(auditEvents.action, "auth.sign_in"))).toBe(1);
  });

  it("frees the username and e-mail for a new account", async () => {
    const user = await createUser(db, { username: "ada", email: "ada@example.test" });
    await callerFor(user.actor).account.delete({ confirmation: "ada", currentPassword: user.password });
    await expect(
      callerFor(anonymous()).account.signUp({
        username: "ada",
        email: "ada@example.test",
        password: "analytical engine",
        passwordConfirmation: "analytical engine",
        acceptTerms: true,
      }),
    ).resolves.toEqual({ ok: true });
  });

  it("is refused to the only owner of an organization, which would be left without one", async () => {
    const ada = await createUser(db, { username: "ada" });
    const bob = await createUser(db, { username: "bob" });
    await createTestOrganization(db, ada, "engines");
    const api = callerFor(ada.actor);
    const refused = await failureOf(api.account.delete({ confirmation: "ada", currentPassword: ada.password }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toBe("You are the only owner of engines: make someone else an owner there, or delete it, first.");
    expect(await findUser(db, ada.id)).toBeDefined();
    await api.organizations.addMember({ organization: "engines", username: "bob", role: "owner" });
    await api.account.delete({ confirmation: "ada", currentPassword: ada.password });
    expect(await findUser(db, ada.id)).toBeUndefined();
    expect((await callerFor(bob.actor).organizations.members({ organization: "engines" })).members.map((member) => member.username)).toEqual(["bob"]);
  });

  it("is refused to the only site administrator", async () => {
    const admin = await createSiteAdmin(db);
    const sessions = new SessionRecorder();

    const failure = await failureOf(
      callerFor(admin.actor, { sessions }).account.delete({ confirmation: admin.username, currentPassword: admin.password }),
    );

    expect(failure.code).toBe("PRECONDITION_FAILED");
    expect(failure.message).toBe("You are the only active site administrator: make someone else an administrator first.");
    expect(await findUser(db, admin.id)).toBeDefined();
    expect(sessions.endedCount).toBe(0);
  });

  it("is allowed to a site administrator when another active one remains", async () => {
    const admin = await createSiteAdmin(db);
    await createSiteAdmin(db);
    await callerFor(admin.actor).account.delete({ confirmation: admin.username, currentPassword: admin.password });
    expect(await findUser(db, admin.id)).toBeUndefined();
  });

  it("does not count a deactivated administrator as the one who remains", async () => {
    const admin = await createSiteAdmin(db);
    await createSiteAdmin(db, { isActive: false });
    const failure = await failureOf(callerFor(admin.actor).account.delete({ confirmation: admin.username, currentPassword: admin.password }));
    expect(failure.code).toBe("PRECONDITION_FAILED");
  });
});

describe("security history", () => {
  it("lists only the caller's own events, newest first", async () => {
    const ada = await createUser(db, { username: "ada" });
    const bob = await createUser(db, { username: "bob" });
    await signedInGrant(ada);
    await signedInGrant(bob);
    await failureOf(callerFor(anonymous()).account.signIn({ login: "bob", password: "wrong password" }));
    await callerFor(ada.actor).account.updateProfile({ name: "Ada" });

    const history = await callerFor(ada.actor).account.securityHistory({});

    expect(history.total).toBe(2);
    expect(history.items.map((event) => event.action)).toEqual(["account.profile_updated", "auth.sign_in"]);
    expect(history.items.every((event) => event.subjectUserId === ada.id)).toBe(true);
    expect(history.items[1]).toMatchObject({ description: "Signed in" });
  });

  it("pages", async () => {
    const ada = await createUser(db);
    for (let change = 0; change < 3; change++) await callerFor(ada.actor).account.updateProfile({ name: `Ada ${change}` });
    const page = await callerFor(ada.actor).account.securityHistory({ page: 2, pageSize: 2 });
    expect(page).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.items).toHaveLength(1);
  });
});
