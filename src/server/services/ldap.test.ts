/**
 * LDAP accounts against a real OpenLDAP (slapd) seeded with alice, bob and a disabled dora: sign-in, the account
 * the first sign-in creates, attribute refresh, wrong passwords and unknown users, filter injection, mapped
 * groups, the daily check, the break-glass administrator while the directory is down, and the settings themselves.
 */
import { and, eq } from "drizzle-orm";
import { Attribute, Change } from "ldapts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "@/env";
import { callerFor, failureOf, SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createAccessToken, createSession, createSiteAdmin, createTestOrganization, createUser, findUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import {
  changeDirectory,
  groupDn,
  personDn,
  startTestDirectory,
  testDirectoryBase,
  testDirectoryReader,
  testGroupFilter,
  testPeople,
  testUserFilter,
  type TestDirectory,
} from "@/test/ldap-server";
import type { LdapSettingsInput } from "@/shared/schemas/ldap";
import { actorFromCredentialHeaders } from "../api/credentials";
import { groupMembers, groups, sessions, signInFailures, siteSettings, users } from "../db/schema";
import { checkDirectoryAccountsJob } from "../jobs/definitions/check-directory-accounts";
import { checkDirectoryAccounts } from "./ldap-accounts";
import { checkPersonPassword } from "./ldap-directory";
import { loadDirectoryConfig } from "./ldap-settings";
import { resolveSession } from "./sessions";

const db = setUpTestDatabase();
let directory: TestDirectory;

beforeAll(async () => {
  directory = await startTestDirectory();
});
afterAll(() => directory?.stop());

const wrongCredentials = "The username, e-mail or password is not right.";

function settings(overrides: Partial<LdapSettingsInput> = {}): LdapSettingsInput {
  return {
    accountType: "ldap",
    url: directory.url,
    startTls: false,
    caCertificate: "",
    bindDn: testDirectoryReader.dn,
    bindPassword: testDirectoryReader.password,
    userSearchBase: `ou=people,${testDirectoryBase}`,
    userSearchFilter: testUserFilter,
    usernameAttribute: "uid",
    emailAttribute: "mail",
    displayNameAttribute: "cn",
    groupSearchBase: `ou=groups,${testDirectoryBase}`,
    groupSearchFilter: testGroupFilter,
    groupMemberAttribute: "member",
    ...overrides,
  };
}

async function useDirectory(admin?: TestUser, overrides: Partial<LdapSettingsInput> = {}) {
  const boss = admin ?? (await createSiteAdmin(db, { username: "boss" }));
  await callerFor(boss.actor).admin.updateLdapSettings(settings(overrides));
  return boss;
}

function signIn(login: string, password: string, sessions = new SessionRecorder()) {
  return callerFor(anonymous(), { sessions }).account.signIn({ login, password });
}

async function accountNamed(username: string) {
  const [row] = await db.select().from(users).where(eq(users.username, username));
  return row;
}

function basicHeaders(login: string, password: string): Headers {
  return new Headers({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}` });
}

describe("signing in against the directory", () => {
  it("creates the local account from the directory's attributes at the first sign-in, by username or e-mail", async () => {
    await useDirectory();
    const sessionsStarted = new SessionRecorder();

    await expect(signIn("alice", testPeople.alice.password, sessionsStarted)).resolves.toEqual({ ok: true });

    const alice = await accountNamed("alice");
    expect(alice).toMatchObject({ email: testPeople.alice.mail, name: testPeople.alice.cn, directoryDn: personDn("alice"), passwordHash: null, isActive: true });
    expect(sessionsStarted.started).toEqual([expect.objectContaining({ userId: alice!.id })]);
    const [signedIn] = await recordedAuditEvents(db, { action: "auth.sign_in" });
    expect(signedIn).toMatchObject({ actorUserId: alice!.id, details: { checkedBy: "directory" } });
    const [created] = await recordedAuditEvents(db, { action: "ldap.account_created" });
    expect(created).toMatchObject({ subjectUserId: alice!.id, details: { dn: personDn("alice") } });
    await expect(signIn(testPeople.alice.mail, testPeople.alice.password)).resolves.toEqual({ ok: true });
    expect(await db.select().from(users).where(eq(users.username, "alice"))).toHaveLength(1);
  });

  it("refreshes the e-mail and display name at every sign-in", async () => {
    await useDirectory();
    await signIn("bob", testPeople.bob.password);
    await changeDirectory(directory, (client) =>
      client.modify(personDn("bob"), [
        new Change({ operation: "replace", modification: new Attribute({ type: "mail", values: ["robert@directory.test"] }) }),
        new Change({ operation: "replace", modification: new Attribute({ type: "cn", values: ["Robert Builder"] }) }),
      ]),
    );
    try {
      await signIn("bob", testPeople.bob.password);
      expect(await accountNamed("bob")).toMatchObject({ email: "robert@directory.test", name: "Robert Builder" });
      const [refreshed] = await recordedAuditEvents(db, { action: "ldap.account_refreshed" });
      expect(refreshed).toMatchObject({ details: { before: { email: testPeople.bob.mail }, after: { email: "robert@directory.test" } } });
    } finally {
      await changeDirectory(directory, (client) =>
        client.modify(personDn("bob"), [
          new Change({ operation: "replace", modification: new Attribute({ type: "mail", values: [testPeople.bob.mail] }) }),
          new Change({ operation: "replace", modification: new Attribute({ type: "cn", values: [testPeople.bob.cn] }) }),
        ]),
      );
    }
  });

  it("answers a wrong password and an unknown user alike, counts them as failures and creates nothing", async () => {
    await useDirectory();
    for (const [login, password] of [
      ["alice", "not alice's password"],
      ["nobody", "whatever"],
      ["dora", testPeople.dora.password],
    ] as const) {
      const failure = await failureOf(signIn(login, password));
      expect(failure).toMatchObject({ code: "UNAUTHORIZED", message: wrongCredentials });
    }
    const events = await recordedAuditEvents(db, { action: "auth.sign_in_failed" });
    expect(events.map((event) => event.details)).toEqual(
      ["wrong_password", "unknown_account", "unknown_account"].map((reason) => expect.objectContaining({ reason, via: "ldap" })),
    );
    expect(await db.select().from(signInFailures)).toHaveLength(3);
    // An empty password would make an unauthenticated bind, which many directories accept: never sent.
    await expect(failureOf(signIn("alice", ""))).resolves.toMatchObject({ code: "BAD_REQUEST" });
    await expect(checkPersonPassword((await loadDirectoryConfig(db))!, "alice", "")).resolves.toEqual({ outcome: "wrong_password" });
    expect(await db.select().from(users).where(eq(users.isSiteAdmin, false))).toEqual([]);
  });

  it("throttles directory failures like any others: the address is refused even with the right password", async () => {
    await useDirectory();
    for (let attempt = 0; attempt < env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT_AND_IP; attempt++) {
      await expect(failureOf(signIn("alice", `guess ${attempt}`))).resolves.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(failureOf(signIn("alice", testPeople.alice.password))).resolves.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/^Too many failed sign-in attempts for this account from this address\./),
    });
    expect(await accountNamed("alice")).toBeUndefined();
  });

  it.each(["*", "*)(uid=*", "alice)(|(uid=*", "*)(|(objectClass=*)", "al*", "\\2a"])("treats %s as a name, never as filter syntax", async (injection) => {
    await useDirectory();
    const failure = await failureOf(signIn(injection, testPeople.alice.password));
    expect(failure).toMatchObject({ code: "UNAUTHORIZED", message: wrongCredentials });
    expect(await accountNamed("alice")).toBeUndefined();
  });

  it("lets package clients send directory credentials as HTTP Basic", async () => {
    await useDirectory();
    const actor = await actorFromCredentialHeaders(db, basicHeaders("alice", testPeople.alice.password));
    expect(actor).toMatchObject({ kind: "user", via: "password", user: { username: "alice" } });
  });

  it("refuses a directory entry whose name belongs to a break-glass account", async () => {
    const boss = await createSiteAdmin(db, { username: "alice" });
    await db.update(users).set({ keepsLocalPassword: true }).where(eq(users.id, boss.id));
    await useDirectory(boss);
    const failure = await failureOf(signIn(testPeople.alice.mail, testPeople.alice.password));
    expect(failure.code).toBe("FORBIDDEN");
    expect((await findUser(db, boss.id))?.directoryDn).toBeNull();
    const [refused] = await recordedAuditEvents(db, { action: "ldap.account_refused" });
    expect(refused).toMatchObject({ details: { reason: "name_taken" } });
  });

  it("hides sign-up and refuses it, and sends no password-reset link to a directory account", async () => {
    await useDirectory();
    await signIn("alice", testPeople.alice.password);
    expect(await callerFor(anonymous()).site.settings()).toMatchObject({ accountType: "ldap" });
    const signUp = await failureOf(
      callerFor(anonymous()).account.signUp({ username: "carol", email: "carol@example.test", password: "a fresh password", passwordConfirmation: "a fresh password", acceptTerms: true }),
    );
    expect(signUp.code).toBe("FORBIDDEN");
    await callerFor(anonymous()).account.requestPasswordReset({ login: "alice" });
    const [requested] = await recordedAuditEvents(db, { action: "account.password_reset_requested" });
    expect(requested).toMatchObject({ details: { accountFound: false } });
  });
});

describe("the break-glass administrator", () => {
  it("signs in with the local password while the directory is down; a directory account cannot", async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    await db.update(users).set({ keepsLocalPassword: true }).where(eq(users.id, boss.id));
    await useDirectory(boss);
    await signIn("alice", testPeople.alice.password);
    // Nothing listens there: the directory is down.
    await useDirectory(boss, { url: "ldap://127.0.0.1:9", bindPassword: "" });

    await expect(signIn("boss", boss.password)).resolves.toEqual({ ok: true });
    const signIns = await recordedAuditEvents(db, { action: "auth.sign_in" });
    expect(signIns.at(-1)).toMatchObject({ actorUserId: boss.id, details: { checkedBy: "local_password" } });
    const down = await failureOf(signIn("alice", testPeople.alice.password));
    expect(down.code).toBe("SERVICE_UNAVAILABLE");
    expect(down.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    const [event] = await recordedAuditEvents(db, { action: "auth.directory_unavailable" });
    expect(event?.details).toMatchObject({ error: expect.stringContaining("ldap://127.0.0.1:9") });
  });

  it("is a mark administrators set on other local accounts, and only on accounts with a local password", async () => {
    const boss = await useDirectory();
    const carol = await createUser(db, { username: "carol" });
    await expect(failureOf(signIn("carol", carol.password))).resolves.toMatchObject({ code: "UNAUTHORIZED" });

    await callerFor(boss.actor).admin.setKeepsLocalPassword({ username: "carol", keepsLocalPassword: true });
    await expect(signIn("carol", carol.password)).resolves.toEqual({ ok: true });
    expect(await callerFor(boss.actor).admin.listLocalPasswordAccounts()).toEqual([expect.objectContaining({ username: "carol" })]);

    await signIn("alice", testPeople.alice.password);
    const directoryAccount = await failureOf(callerFor(boss.actor).admin.setKeepsLocalPassword({ username: "alice", keepsLocalPassword: true }));
    expect(directoryAccount.code).toBe("PRECONDITION_FAILED");
    const [kept] = await recordedAuditEvents(db, { action: "admin.local_password_kept" });
    expect(kept).toMatchObject({ targetLabel: "carol" });
  });
});

describe("group mapping", () => {
  async function organizationWithGroup() {
    const owner = await createUser(db, { username: "owner" });
    const organization = await createTestOrganization(db, owner, "lab");
    await callerFor(owner.actor).organizations.createGroup({ organization: "lab", name: "scientists", level: "write" });
    const [group] = await db.select().from(groups).where(eq(groups.organizationId, organization.id));
    return { organization, group: group! };
  }

  async function isInGroup(username: string, groupId: string) {
    const account = await accountNamed(username);
    const rows = await db
      .select()
      .from(groupMembers)
      .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.userId, account!.id)));
    return rows.length === 1;
  }

  it("adds the user to mapped groups at sign-in and removes them when the directory group drops them", async () => {
    const boss = await useDirectory();
    const { group } = await organizationWithGroup();
    await callerFor(boss.actor).admin.createDirectoryGroupMapping({ directoryGroupDn: groupDn("data-science"), organization: "lab", group: "scientists" });

    await signIn("alice", testPeople.alice.password);
    await signIn("bob", testPeople.bob.password);
    expect(await isInGroup("alice", group.id)).toBe(true);
    expect(await isInGroup("bob", group.id)).toBe(false);
    const [added] = await recordedAuditEvents(db, { action: "group.member_added" });
    expect(added).toMatchObject({ targetLabel: "alice", details: { source: "directory", group: "scientists" } });

    await changeDirectory(directory, (client) =>
      client.modify(groupDn("data-science"), [
        new Change({ operation: "replace", modification: new Attribute({ type: "member", values: [personDn("bob")] }) }),
      ]),
    );
    try {
      await signIn("alice", testPeople.alice.password);
      await signIn("bob", testPeople.bob.password);
      expect(await isInGroup("alice", group.id)).toBe(false);
      expect(await isInGroup("bob", group.id)).toBe(true);
      const [removed] = await recordedAuditEvents(db, { action: "group.member_removed" });
      expect(removed).toMatchObject({ targetLabel: "alice", details: { source: "directory" } });
    } finally {
      await changeDirectory(directory, (client) =>
        client.modify(groupDn("data-science"), [
          new Change({ operation: "replace", modification: new Attribute({ type: "member", values: [personDn("alice")] }) }),
        ]),
      );
    }
  });

  it("leaves memberships alone once the mapping is gone, and refuses a mapping twice", async () => {
    const boss = await useDirectory();
    const { group } = await organizationWithGroup();
    const admin = callerFor(boss.actor).admin;
    const mapping = await admin.createDirectoryGroupMapping({ directoryGroupDn: groupDn("platform"), organization: "lab", group: "scientists" });
    const twice = await failureOf(admin.createDirectoryGroupMapping({ directoryGroupDn: groupDn("platform"), organization: "lab", group: "scientists" }));
    expect(twice).toMatchObject({ code: "CONFLICT", fieldErrors: { directoryGroupDn: expect.any(String) } });
    await signIn("bob", testPeople.bob.password);
    expect(await isInGroup("bob", group.id)).toBe(true);

    await admin.deleteDirectoryGroupMapping({ id: mapping.id });
    expect(await admin.listDirectoryGroupMappings()).toEqual([]);
    await changeDirectory(directory, (client) =>
      client.modify(groupDn("platform"), [new Change({ operation: "replace", modification: new Attribute({ type: "member", values: [personDn("alice")] }) })]),
    );
    try {
      await signIn("bob", testPeople.bob.password);
      expect(await isInGroup("bob", group.id)).toBe(true);
    } finally {
      await changeDirectory(directory, (client) =>
        client.modify(groupDn("platform"), [new Change({ operation: "replace", modification: new Attribute({ type: "member", values: [personDn("bob")] }) })]),
      );
    }
    expect((await recordedAuditEvents(db, { action: "admin.directory_group_unmapped" })).length).toBe(1);
  });
});

describe("the daily directory check", () => {
  it("deactivates an account removed from the directory: its sessions end and its tokens stop at once", async () => {
    await useDirectory();
    await signIn("alice", testPeople.alice.password);
    await signIn("bob", testPeople.bob.password);
    const bob = (await accountNamed("bob"))!;
    const session = await createSession(db, bob);
    const token = await createAccessToken(db, bob);
    await expect(actorFromCredentialHeaders(db, new Headers({ authorization: `Bearer ${token.secret}` }))).resolves.toMatchObject({ via: "token" });

    await changeDirectory(directory, (client) => client.del(personDn("bob")));
    try {
      const config = (await loadDirectoryConfig(db))!;
      await expect(checkDirectoryAccounts(db, config)).resolves.toEqual({ checked: 2, deactivated: 1, refreshed: 0 });

      expect((await accountNamed("bob"))?.isActive).toBe(false);
      expect((await accountNamed("alice"))?.isActive).toBe(true);
      expect(await resolveSession(db, session)).toBeNull();
      const [ended] = await db.select().from(sessions).where(eq(sessions.id, session.sessionId));
      expect(ended?.revokedReason).toBe("deactivated");
      await expect(actorFromCredentialHeaders(db, new Headers({ authorization: `Bearer ${token.secret}` }))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      const [event] = await recordedAuditEvents(db, { action: "ldap.account_deactivated" });
      expect(event).toMatchObject({ targetLabel: "bob", details: { reason: "not_in_directory", sessionsEnded: 2 } }); // The sign-in's and the one made here.
    } finally {
      await changeDirectory(directory, (client) =>
        client.add(personDn("bob"), {
          objectClass: "inetOrgPerson",
          uid: "bob",
          cn: testPeople.bob.cn,
          sn: "Builder",
          mail: testPeople.bob.mail,
          userPassword: testPeople.bob.password,
        }),
      );
    }
  });

  it("deactivates an account the directory disabled, and deactivates nobody when the directory is down", async () => {
    const boss = await useDirectory();
    await signIn("alice", testPeople.alice.password);
    await changeDirectory(directory, (client) =>
      client.modify(personDn("alice"), [new Change({ operation: "add", modification: new Attribute({ type: "employeeType", values: ["disabled"] }) })]),
    );
    try {
      await callerFor(boss.actor).admin.updateLdapSettings(settings({ url: "ldap://127.0.0.1:9", bindPassword: "" }));
      const runContext = { db, log: { info() {}, debug() {}, warn() {}, error() {} } } as never;
      await expect(checkDirectoryAccountsJob.run({}, runContext)).rejects.toThrow(/Could not connect/);
      expect((await accountNamed("alice"))?.isActive).toBe(true);

      await callerFor(boss.actor).admin.updateLdapSettings(settings({ bindPassword: "" }));
      await expect(checkDirectoryAccountsJob.run({}, runContext)).resolves.toMatchObject({ deactivated: 1 });
      expect((await accountNamed("alice"))?.isActive).toBe(false);
      await expect(failureOf(signIn("alice", testPeople.alice.password))).resolves.toMatchObject({ code: "UNAUTHORIZED" });
    } finally {
      await changeDirectory(directory, (client) =>
        client.modify(personDn("alice"), [new Change({ operation: "delete", modification: new Attribute({ type: "employeeType", values: ["disabled"] }) })]),
      );
    }
  });
});

describe("the LDAP settings", () => {
  it("keep the bind password sealed and never give it back", async () => {
    const boss = await useDirectory();
    const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, "ldap"));
    expect(JSON.stringify(row?.value)).not.toContain(testDirectoryReader.password);
    const shown = await callerFor(boss.actor).admin.ldapSettings();
    expect(shown).toMatchObject({ accountType: "ldap", bindPasswordSet: true, url: directory.url });
    expect(JSON.stringify(shown)).not.toContain(testDirectoryReader.password);
    expect(JSON.stringify(await callerFor(anonymous()).site.settings())).not.toContain(directory.url);
    const [event] = await recordedAuditEvents(db, { action: "admin.ldap_settings_updated" });
    expect(JSON.stringify(event?.details)).not.toContain(testDirectoryReader.password);
    expect(event?.details).toMatchObject({ bindPasswordChanged: true, after: { accountType: "ldap", url: directory.url } });
  });

  it("refuse LDAP accounts without a bind password, and filters that are not filters", async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    const admin = callerFor(boss.actor).admin;
    await expect(failureOf(admin.updateLdapSettings(settings({ bindPassword: "" })))).resolves.toMatchObject({ fieldErrors: { bindPassword: expect.any(String) } });
    await expect(failureOf(admin.updateLdapSettings(settings({ userSearchFilter: "(uid={username}" })))).resolves.toMatchObject({
      code: "BAD_REQUEST",
      fieldErrors: { userSearchFilter: expect.stringMatching(/not a valid LDAP filter/) },
    });
    await expect(failureOf(admin.updateLdapSettings(settings({ userSearchFilter: "(uid=alice)" })))).resolves.toMatchObject({ fieldErrors: { userSearchFilter: expect.any(String) } });
    await expect(failureOf(admin.updateLdapSettings(settings({ url: "http://example.test" })))).resolves.toMatchObject({ fieldErrors: { url: expect.any(String) } });
    expect(await db.select().from(siteSettings)).toEqual([]);
  });

  it("Test connection shows what Granary would read, or the directory's exact error", async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    const admin = callerFor(boss.actor).admin;
    await expect(admin.testLdapConnection({ settings: settings(), username: "alice" })).resolves.toEqual({
      ok: true,
      person: { dn: personDn("alice"), username: "alice", email: testPeople.alice.mail, name: testPeople.alice.cn, groups: [groupDn("data-science")] },
    });
    await expect(admin.testLdapConnection({ settings: settings(), username: "dora" })).resolves.toEqual({ ok: true, person: null });
    const wrongBind = await admin.testLdapConnection({ settings: settings({ bindPassword: "not it" }), username: "alice" });
    expect(wrongBind).toEqual({ ok: false, error: expect.stringMatching(/refused the bind as cn=granary.*Code: 0x31/s) });
    expect(await db.select().from(siteSettings)).toEqual([]);
  });
});

describe("an encrypted directory", () => {
  let secure: TestDirectory;
  beforeAll(async () => {
    secure = await startTestDirectory({ tls: true });
  });
  afterAll(() => secure?.stop());

  function secureSettings(overrides: Partial<LdapSettingsInput>) {
    return settings({ url: secure.secureUrl!, caCertificate: secure.caCertificate!, ...overrides });
  }

  it("is reached over ldaps:// or StartTLS with the CA certificate given, and refused without it", async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    const admin = callerFor(boss.actor).admin;
    const alice = { ok: true, person: expect.objectContaining({ dn: personDn("alice") }) };
    await expect(admin.testLdapConnection({ settings: secureSettings({}), username: "alice" })).resolves.toEqual(alice);
    await expect(admin.testLdapConnection({ settings: secureSettings({ url: secure.url, startTls: true }), username: "alice" })).resolves.toEqual(alice);
    await expect(admin.testLdapConnection({ settings: secureSettings({ caCertificate: "" }), username: "alice" })).resolves.toEqual({
      ok: false,
      error: expect.stringMatching(/certificate/i),
    });

    await admin.updateLdapSettings(secureSettings({}));
    await expect(signIn("alice", testPeople.alice.password)).resolves.toEqual({ ok: true });
  });
});
