import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createAccountLink, createDeactivatedUser, createPublishedPackage, createSiteAdmin, createTestOrganization, createUser, findUser, recordedAuditEvents } from "@/test/factories";
import { accountTokens, users } from "../db/schema";
import { adminUserSorts } from "@/shared/schemas/admin-people";
import { adminUserCountLimit, adminUserOrders } from "./admin-users";
import { addMember } from "./organizations";

const db = setUpTestDatabase();

function tokenOf(url: string): string {
  return new URL(url).searchParams.get("token")!;
}

function resetForm(token: string, password = "a brand new password") {
  return { token, password, passwordConfirmation: password };
}

describe("Admin → Users", () => {
  async function world() {
    const admin = await createSiteAdmin(db, { username: "boss", email: "boss@example.test" });
    const ada = await createUser(db, { username: "ada", email: "ada@lovelace.test" });
    const bob = await createUser(db, { username: "Bob", email: "bob@example.test" });
    const cy = await createUser(db, { username: "cy", email: "cy@example.test" });
    await db.update(users).set({ createdAt: new Date("2024-01-01") }).where(eq(users.id, ada.id));
    await db.update(users).set({ createdAt: new Date("2025-01-01"), lastSignInAt: new Date("2026-01-02") }).where(eq(users.id, bob.id));
    await db.update(users).set({ createdAt: new Date("2026-01-01"), passwordLastUsedAt: new Date("2026-03-01") }).where(eq(users.id, cy.id));
    await db.update(users).set({ createdAt: new Date("2023-01-01") }).where(eq(users.id, admin.id));
    for (const name of ["one", "two", "three"]) await createPublishedPackage(db, cy, `cy-${name}`);
    await createPublishedPackage(db, ada, "ada-tools");
    const organization = await createTestOrganization(db, ada, "engines");
    await addMember(db, ada.actor, { organization: organization.username, username: bob.username });
    return { admin, ada, bob, cy, organization };
  }

  it("lists people (never organizations) with their organizations, packages and last sight, in each order", async () => {
    const { admin } = await world();
    const list = (input: object) => callerFor(admin.actor).adminPeople.listUsers(input);

    const byName = await list({});
    expect(byName.total).toBe(4);
    expect(byName.items.map((row) => row.username)).toEqual(["ada", "Bob", "boss", "cy"]);
    expect(byName.items[0]).toMatchObject({ email: "ada@lovelace.test", packages: 1, organizationCount: 1, organizations: ["engines"], isActive: true, isSiteAdmin: false });
    expect(byName.items[3]).toMatchObject({ packages: 3, organizationCount: 0, lastSeenAt: new Date("2026-03-01") });

    expect((await list({ sort: "created" })).items.map((row) => row.username)).toEqual(["cy", "Bob", "ada", "boss"]);
    // Last seen: a package client's use of the password counts; never seen goes last.
    const bySight = (await list({ sort: "last_seen" })).items.map((row) => row.username);
    expect(bySight.slice(0, 2)).toEqual(["cy", "Bob"]);
    // Most packages first, then the accounts without any by name.
    expect((await list({ sort: "packages" })).items.map((row) => row.username)).toEqual(["cy", "ada", "Bob", "boss"]);
  });

  it("pages every order, the packages order across the accounts with and without packages", async () => {
    const { admin } = await world();
    const pages = async (sort: string) => {
      const names: string[] = [];
      for (let page = 1; page <= 4; page += 1) {
        const result = await callerFor(admin.actor).adminPeople.listUsers({ sort: sort as "packages", page, pageSize: 1 });
        names.push(...result.items.map((row) => row.username));
      }
      return names;
    };
    expect(await pages("packages")).toEqual(["cy", "ada", "Bob", "boss"]);
    expect(await pages("username")).toEqual(["ada", "Bob", "boss", "cy"]);
  });

  it("searches usernames and addresses, case-insensitively and with wildcards taken literally", async () => {
    const { admin } = await world();
    const search = (query: string, sort?: "packages") => callerFor(admin.actor).adminPeople.listUsers({ query, sort });
    expect((await search("LOVELACE")).items.map((row) => row.username)).toEqual(["ada"]);
    expect((await search("bo")).items.map((row) => row.username)).toEqual(["Bob", "boss"]);
    expect((await search("bo", "packages")).total).toBe(2);
    expect((await search("%")).items).toEqual([]);
    expect((await search("engines")).items).toEqual([]);
  });

  it("keeps each owner's package count as packages are added, removed, moved and deleted with their owner", async () => {
    const { admin, ada, bob, cy } = await world();
    const countOf = async (id: string) => (await db.select({ packageCount: users.packageCount }).from(users).where(eq(users.id, id)))[0]?.packageCount;
    expect([await countOf(ada.id), await countOf(bob.id), await countOf(cy.id)]).toEqual([1, 0, 3]);
    // One statement adding many, as a bulk import does, counts them all.
    await db.execute(sql`insert into packages (owner_id, name, normalized_name) select ${bob.id}::uuid, 'bulk-' || n, 'bulk-' || n from generate_series(1, 5) as n`);
    expect(await countOf(bob.id)).toBe(5);
    await db.execute(sql`update packages set owner_id = ${ada.id}::uuid where name in ('bulk-1', 'bulk-2')`);
    // Saving a package without moving it changes nothing.
    await db.execute(sql`update packages set owner_id = owner_id, summary = 'renamed' where name = 'bulk-3'`);
    expect([await countOf(ada.id), await countOf(bob.id)]).toEqual([3, 3]);
    await db.execute(sql`delete from packages where name like 'cy-%' or name = 'bulk-4'`);
    expect([await countOf(cy.id), await countOf(bob.id)]).toEqual([0, 2]);
    await db.delete(users).where(eq(users.id, bob.id));
    const listed = await callerFor(admin.actor).adminPeople.listUsers({ sort: "packages" });
    expect(listed.items.map((row) => [row.username, row.packages])).toEqual([["ada", 3], ["boss", 0], ["cy", 0]]);
  });

  it("reads each order's page from an index, without sorting the accounts", async () => {
    await world();
    for (const sort of adminUserSorts) {
      const plan = await db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        await tx.execute(sql`set local enable_sort = off`);
        return tx.execute<{ "QUERY PLAN": string }>(sql`explain select u.id from users as u where u.kind = 'user' order by ${adminUserOrders[sort]} limit 50`);
      });
      const text = plan.map((row) => row["QUERY PLAN"]).join("\n");
      expect(text, sort).not.toMatch(/Sort/);
      expect(text, sort).toMatch(/Index (Only )?Scan/);
    }
  });

  it("counts as far as its limit, says there are more, and goes on paging past it", async () => {
    const admin = await createSiteAdmin(db, { username: "boss", email: "boss@example.test" });
    await db.execute(sql`insert into users (username, email) select 'many-' || lpad(n::text, 4, '0'), 'many-' || n || '@crowd.test' from generate_series(1, ${adminUserCountLimit + 5}) as n`);
    const list = (input: object) => callerFor(admin.actor).adminPeople.listUsers(input);
    expect(await list({ pageSize: 10 })).toMatchObject({ total: adminUserCountLimit, moreMatches: true });
    expect(await list({ query: "crowd.test", pageSize: 10 })).toMatchObject({ total: adminUserCountLimit, moreMatches: true });
    expect(await list({ query: "many-0042" })).toMatchObject({ total: 1, moreMatches: false });
    const past = await list({ page: adminUserCountLimit / 50 + 1, pageSize: 50 });
    // "boss" comes first by name, so the page past the counted 1,000 holds the last six.
    expect(past.items.map((row) => row.username)).toEqual(["many-1000", "many-1001", "many-1002", "many-1003", "many-1004", "many-1005"]);
  });

  it("is for site administrators only", async () => {
    const { ada } = await world();
    expect((await failureOf(callerFor(ada.actor).adminPeople.listUsers({}))).code).toBe("FORBIDDEN");
    expect((await failureOf(callerFor(anonymous()).adminPeople.listUsers({}))).code).toBe("UNAUTHORIZED");
  });
});

describe("administrator rights", () => {
  it("grants and revokes them, audited", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });

    await expect(callerFor(admin.actor).adminPeople.setUserAdmin({ userId: ada.id, admin: true })).resolves.toMatchObject({ isSiteAdmin: true });
    expect((await findUser(db, ada.id))?.isSiteAdmin).toBe(true);
    await callerFor(admin.actor).adminPeople.setUserAdmin({ userId: ada.id, admin: false });
    expect((await findUser(db, ada.id))?.isSiteAdmin).toBe(false);

    const events = await recordedAuditEvents(db, { subjectUserId: ada.id });
    expect(events.map((event) => [event.action, event.actorLabel, event.targetLabel])).toEqual([
      ["admin.user_admin_granted", "boss", "ada"],
      ["admin.user_admin_revoked", "boss", "ada"],
    ]);
  });

  it("never takes them from the last active administrator, and says why", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    // A deactivated administrator does not count: they cannot sign in to run the site.
    await createDeactivatedUser(db, { username: "gone" }).then((gone) => db.update(users).set({ isSiteAdmin: true }).where(eq(users.id, gone.id)));

    const failure = await failureOf(callerFor(admin.actor).adminPeople.setUserAdmin({ userId: admin.id, admin: false }));
    expect(failure.code).toBe("PRECONDITION_FAILED");
    expect(failure.message).toBe("boss is the last active administrator: make someone else an administrator before taking boss's rights away.");
    expect((await findUser(db, admin.id))?.isSiteAdmin).toBe(true);
    expect(await recordedAuditEvents(db, { action: "admin.user_admin_revoked" })).toEqual([]);

    // With a second active administrator, either may step down.
    const other = await createSiteAdmin(db, { username: "other" });
    await callerFor(other.actor).adminPeople.setUserAdmin({ userId: admin.id, admin: false });
    expect((await findUser(db, admin.id))?.isSiteAdmin).toBe(false);
  });

  it("refuses to make a deactivated account an administrator", async () => {
    const admin = await createSiteAdmin(db);
    const gone = await createDeactivatedUser(db, { username: "gone" });
    expect((await failureOf(callerFor(admin.actor).adminPeople.setUserAdmin({ userId: gone.id, admin: true }))).code).toBe("PRECONDITION_FAILED");
  });

  it("refuses ordinary users", async () => {
    const ada = await createUser(db);
    expect((await failureOf(callerFor(ada.actor).adminPeople.setUserAdmin({ userId: ada.id, admin: true }))).code).toBe("FORBIDDEN");
    expect((await findUser(db, ada.id))?.isSiteAdmin).toBe(false);
  });
});

describe("password reset links made by an administrator", () => {
  it("work once on the ordinary reset page, audited without the secret", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "Ada" });

    const link = await callerFor(admin.actor).adminPeople.createPasswordResetLink({ username: "ada" });
    expect(link).toMatchObject({ username: "Ada", validForHours: 24 });
    expect(link.url).toMatch(/^http:\/\/granary\.test\/reset-password\?token=/);
    expect(link.expiresAt.getTime() - Date.now()).toBeGreaterThan(23.9 * 60 * 60 * 1000);

    await callerFor(anonymous()).account.resetPassword(resetForm(tokenOf(link.url)));
    const second = await failureOf(callerFor(anonymous()).account.resetPassword(resetForm(tokenOf(link.url), "yet another password")));
    expect(second.fieldErrors).toEqual({ token: "This reset link is not valid: it may have expired or been used already. Ask for a new one." });

    const [event] = await recordedAuditEvents(db, { action: "admin.password_reset_link_created" });
    expect(event).toMatchObject({ actorLabel: "boss", subjectUserId: ada.id, targetLabel: "Ada" });
    expect(JSON.stringify(event)).not.toContain(tokenOf(link.url));
  });

  it("stop working after 24 hours", async () => {
    const admin = await createSiteAdmin(db);
    await createUser(db, { username: "ada" });
    const link = await callerFor(admin.actor).adminPeople.createPasswordResetLink({ username: "ada" });
    await db.execute(sql`update account_tokens set expires_at = now() - interval '1 second'`);
    expect((await failureOf(callerFor(anonymous()).account.resetPassword(resetForm(tokenOf(link.url))))).fieldErrors).toHaveProperty("token");
  });

  it("replace the account's pending links, as a newer link does", async () => {
    const admin = await createSiteAdmin(db);
    const ada = await createUser(db, { username: "ada" });
    const mailed = await createAccountLink(db, ada, { purpose: "password_reset" });

    const link = await callerFor(admin.actor).adminPeople.createPasswordResetLink({ username: "ada" });
    expect((await failureOf(callerFor(anonymous()).account.resetPassword(resetForm(mailed)))).fieldErrors).toHaveProperty("token");
    await expect(callerFor(anonymous()).account.resetPassword(resetForm(tokenOf(link.url)))).resolves.toBeDefined();
    const pending = await db.select().from(accountTokens).where(sql`${accountTokens.usedAt} is null`);
    expect(pending).toEqual([]);
  });

  it("give a field error for an unknown or deactivated account, and change nothing", async () => {
    const admin = await createSiteAdmin(db);
    await createDeactivatedUser(db, { username: "gone" });
    const organization = await createTestOrganization(db, admin, "engines");

    for (const [username, message] of [
      ["nobody", "No account is named nobody."],
      [organization.username, "No account is named engines."],
      ["gone", "gone is deactivated: reactivate the account first, or the link would not work."],
    ]) {
      const failure = await failureOf(callerFor(admin.actor).adminPeople.createPasswordResetLink({ username: username! }));
      expect(failure.fieldErrors).toEqual({ username: message });
    }
    expect((await failureOf(callerFor(admin.actor).adminPeople.createPasswordResetLink({ username: "  " }))).code).toBe("BAD_REQUEST");
    expect(await db.select().from(accountTokens)).toEqual([]);
    expect(await recordedAuditEvents(db, { action: "admin.password_reset_link_created" })).toEqual([]);
  });
});
