/**
 * Organizations as their people use them, through the router: creating one, members and owners, groups, deleting
 * it, collaborators, transferring packages and the plans' limits. Every change is checked in the audit trail.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import {
  createAccessToken,
  createPublishedPackage,
  createTestOrganization,
  createUser,
  recordedAuditActions,
  sentEmails,
  type TestUser,
} from "@/test/factories";
import { accessTokens, fileLabels, groupMembers, groups, notifications, packageFiles, packages, packageStars, plans, users } from "../db/schema";

const db = setUpTestDatabase();

async function team(owner?: TestUser) {
  const alice = owner ?? (await createUser(db, { username: "alice" }));
  const organization = await createTestOrganization(db, alice, "team");
  return { alice, organization, api: callerFor(alice.actor) };
}

describe("creating an organization", () => {
  it("makes its creator the first owner, in the namespace users share", async () => {
    const alice = await createUser(db, { username: "alice" });
    await createUser(db, { username: "bob" });
    const api = callerFor(alice.actor);
    await api.organizations.create({ name: "Data-Team_1", email: "data@example.test" });
    const mine = await api.organizations.mine({});
    expect(mine).toEqual([expect.objectContaining({ username: "Data-Team_1", standing: "owner", members: 1, packages: 0 })]);
    expect(await recordedAuditActions(db)).toContain("organization.created");

    for (const [name, message] of [
      ["bob", "This name is taken by a user or an organization."],
      ["BOB", "This name is taken by a user or an organization."],
      ["data-team_1", "This name is taken by a user or an organization."],
      ["has space", "Use only letters, digits, hyphens (-) and underscores (_)."],
      ["admin", "This name is reserved; choose another."],
    ] as const) {
      const failure = await failureOf(api.organizations.create({ name, email: "x@example.test" }));
      expect(failure.fieldErrors?.name, name).toBe(message);
    }
  });

  it("never signs in: its name and address are no login", async () => {
    await team();
    const visitor = callerFor({ kind: "anonymous", origin: { ipAddress: "203.0.113.8", userAgent: null } });
    expect((await failureOf(visitor.account.signIn({ login: "team", password: "anything at all" }))).code).toBe("UNAUTHORIZED");
    await visitor.account.requestPasswordReset({ login: "team@example.test" });
    await visitor.account.remindUsername({ email: "team@example.test" });
    expect(await sentEmails(db, { to: "team@example.test" })).toEqual([]);
  });
});

describe("members and owners", () => {
  it("adds members with a notification and an e-mail, and lists only administered organizations in Settings", async () => {
    const { api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await api.organizations.addMember({ organization: "team", username: "bob" });
    const [mail] = await sentEmails(db, { to: bob.email });
    expect(mail?.subject).toBe("You were added to team on Granary");
    const bobApi = callerFor(bob.actor);
    const bell = await bobApi.notifications.list({});
    expect(bell.unread).toBe(1);
    expect(bell.items[0]).toMatchObject({ message: "You were added to team as a member.", link: "/team" });
    await bobApi.notifications.markAllRead();
    expect(await bobApi.notifications.unreadCount()).toBe(0);

    expect(await bobApi.organizations.mine({})).toHaveLength(1);
    expect(await bobApi.organizations.mine({ administeredOnly: true })).toEqual([]);
    expect((await failureOf(api.organizations.addMember({ organization: "team", username: "bob" }))).fieldErrors?.username).toBe(
      "bob is already a member of team.",
    );
    expect((await failureOf(api.organizations.addMember({ organization: "team", username: "nobody" }))).code).toBe("NOT_FOUND");
    // A member who administers nothing cannot add anyone.
    await createUser(db, { username: "carol" });
    expect((await failureOf(bobApi.organizations.addMember({ organization: "team", username: "carol" }))).code).toBe("FORBIDDEN");
  });

  it("always keeps an owner, and lets owners share the role", async () => {
    const { alice, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await api.organizations.addMember({ organization: "team", username: "bob" });
    expect((await failureOf(api.organizations.removeMember({ organization: "team", username: "alice" }))).code).toBe("PRECONDITION_FAILED");
    expect((await failureOf(api.organizations.setMemberRole({ organization: "team", username: "alice", role: "member" }))).code).toBe("PRECONDITION_FAILED");
    // Members cannot make owners.
    expect((await failureOf(callerFor(bob.actor).organizations.setMemberRole({ organization: "team", username: "bob", role: "owner" }))).code).toBe("FORBIDDEN");
    await api.organizations.setMemberRole({ organization: "team", username: "bob", role: "owner" });
    await callerFor(bob.actor).organizations.removeMember({ organization: "team", username: "alice" });
    expect(await callerFor(alice.actor).organizations.mine({})).toEqual([]);
    expect(await recordedAuditActions(db)).toEqual(
      expect.arrayContaining(["organization.member_added", "organization.member_role_changed", "organization.member_removed"]),
    );
  });

  it("takes a member's groups away with the membership", async () => {
    const { organization, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await api.organizations.createGroup({ organization: "team", name: "Readers", level: "read" });
    await api.organizations.addGroupMember({ organization: "team", group: "Readers", username: "bob" });
    await createPublishedPackage(db, organization, "secret", { isPrivate: true });
    expect((await callerFor(bob.actor).packages.get({ owner: "team", name: "secret" })).name).toBe("secret");
    await api.organizations.removeMember({ organization: "team", username: "bob" });
    expect(await db.select().from(groupMembers)).toEqual([]);
    expect((await failureOf(callerFor(bob.actor).packages.get({ owner: "team", name: "secret" }))).code).toBe("NOT_FOUND");
  });
});

describe("groups", () => {
  it("are created, renamed, changed and deleted by administrators, with names unique in the organization", async () => {
    const { api } = await team();
    await api.organizations.createGroup({ organization: "team", name: "Writers", level: "write" });
    expect((await failureOf(api.organizations.createGroup({ organization: "team", name: "writers", level: "read" }))).fieldErrors?.name).toBe(
      "There is already a group named writers in this organization.",
    );
    await api.organizations.updateGroup({ organization: "team", group: "Writers", name: "Publishers", level: "admin", reachesAllPackages: false });
    const { groups: listed } = await api.organizations.groups({ organization: "team" });
    expect(listed).toEqual([expect.objectContaining({ name: "Publishers", level: "admin", levelLabel: "Administration", reachesAllPackages: false })]);
    await api.organizations.deleteGroup({ organization: "team", group: "Publishers" });
    expect(await db.select().from(groups)).toEqual([]);
    expect(await recordedAuditActions(db)).toEqual(expect.arrayContaining(["group.created", "group.updated", "group.deleted"]));
  });

  it("list their members and, over selected packages, their packages", async () => {
    const { organization, api } = await team();
    await createUser(db, { username: "bob" });
    await createUser(db, { username: "Carol" });
    await createPublishedPackage(db, organization, "zeta");
    await createPublishedPackage(db, organization, "alpha");
    await api.organizations.createGroup({ organization: "team", name: "Everyone", level: "read" });
    await api.organizations.createGroup({ organization: "team", name: "Chosen", level: "write", reachesAllPackages: false });
    for (const username of ["bob", "Carol"]) await api.organizations.addGroupMember({ organization: "team", group: "Chosen", username });
    for (const name of ["zeta", "alpha"]) await api.packages.addGroup({ owner: "team", name, group: "Chosen" });
    const { groups: listed } = await api.organizations.groups({ organization: "team" });
    expect(listed.map(({ name, members, packages: reached }) => ({ name, members, packages: reached }))).toEqual([
      { name: "Chosen", members: ["bob", "Carol"], packages: ["alpha", "zeta"] },
      { name: "Everyone", members: [], packages: [] },
    ]);
  });

  it("make people members, tell them, and list under Tools → Group Membership", async () => {
    const { api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await api.organizations.createGroup({ organization: "team", name: "Readers", level: "read" });
    await api.organizations.addGroupMember({ organization: "team", group: "Readers", username: "bob" });
    expect(await callerFor(bob.actor).organizations.myGroups()).toEqual([
      { organization: "team", name: "Readers", level: "read", levelLabel: "Read-Only", reachesAllPackages: true },
    ]);
    const rows = await db.select({ kind: notifications.kind }).from(notifications).where(eq(notifications.userId, bob.id));
    expect(rows.map((row) => row.kind).sort()).toEqual(["group.member_added", "organization.member_added"]);
    expect((await sentEmails(db, { to: bob.email })).map((mail) => mail.subject).sort()).toEqual([
      "You were added to team on Granary",
      "You were added to the group Readers of team",
    ]);
  });

  it("tell each member whether they may publish under the organization, for the upload page", async () => {
    const { organization, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    const carol = await createUser(db, { username: "carol" });
    await api.organizations.createGroup({ organization: "team", name: "Writers", level: "write" });
    await api.organizations.createGroup({ organization: "team", name: "Readers", level: "read" });
    await api.organizations.createGroup({ organization: "team", name: "Some writers", level: "write", reachesAllPackages: false });
    await api.organizations.addGroupMember({ organization: "team", group: "Writers", username: "bob" });
    await api.organizations.addGroupMember({ organization: "team", group: "Readers", username: "carol" });
    await api.organizations.addGroupMember({ organization: "team", group: "Some writers", username: "carol" });
    const mayPublish = async (person: TestUser) => (await callerFor(person.actor).organizations.mine({})).map((row) => row.mayPublish);
    expect(await api.organizations.mine({})).toEqual([expect.objectContaining({ standing: "owner", mayPublish: true })]);
    expect(await mayPublish(bob)).toEqual([true]);
    // Write access to selected packages lets one publish new files of those: none yet, so nothing to publish.
    expect(await mayPublish(carol)).toEqual([false]);
    await createPublishedPackage(db, organization, "given");
    await api.packages.addGroup({ owner: "team", name: "given", group: "Some writers" });
    expect(await mayPublish(carol)).toEqual([true]);
  });

  it("administered through an Administration group over every package make an organization administrator", async () => {
    const { api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await createUser(db, { username: "carol" });
    await api.organizations.createGroup({ organization: "team", name: "Admins", level: "admin" });
    await api.organizations.addGroupMember({ organization: "team", group: "Admins", username: "bob" });
    const bobApi = callerFor(bob.actor);
    expect(await bobApi.organizations.mine({ administeredOnly: true })).toEqual([expect.objectContaining({ standing: "administrator" })]);
    await bobApi.organizations.addMember({ organization: "team", username: "carol" });
    // Administrators are not owners: deleting and owners stay with the owners.
    expect((await failureOf(bobApi.organizations.setMemberRole({ organization: "team", username: "carol", role: "owner" }))).code).toBe("FORBIDDEN");
    expect((await failureOf(bobApi.organizations.delete({ organization: "team", confirmation: "team" }))).code).toBe("FORBIDDEN");
  });
});

describe("deleting an organization", () => {
  it("takes its packages, files, groups and restricted tokens, tells its administrators, and keeps the record", async () => {
    const { alice, organization, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await api.organizations.createGroup({ organization: "team", name: "Admins", level: "admin" });
    await api.organizations.addGroupMember({ organization: "team", group: "Admins", username: "bob" });
    await createPublishedPackage(db, organization, "team-tool");
    const restricted = await createAccessToken(db, bob, { name: "for-team", channelOwnerId: organization.id });
    const unrestricted = await createAccessToken(db, bob, { name: "anywhere" });

    expect((await failureOf(api.organizations.delete({ organization: "team", confirmation: "Team" }))).fieldErrors?.confirmation).toBe(
      "Type the organization's name, team, exactly to confirm.",
    );
    await api.organizations.delete({ organization: "team", confirmation: "team" });

    expect(await db.select().from(packages)).toEqual([]);
    expect(await db.select().from(packageFiles)).toEqual([]);
    expect(await db.select().from(groups)).toEqual([]);
    expect((await db.select({ id: accessTokens.id }).from(accessTokens)).map((row) => row.id)).toEqual([unrestricted.id]);
    expect(restricted.id).not.toBe(unrestricted.id);
    for (const person of [alice, bob]) expect((await sentEmails(db, { to: person.email })).map((mail) => mail.subject)).toContain("The organization team was deleted");
    expect(await recordedAuditActions(db)).toContain("organization.deleted");
    expect((await failureOf(api.organizations.get({ organization: "team" }))).code).toBe("NOT_FOUND");
  });
});

describe("collaborators", () => {
  it("read and write a private package, but do not administer it", async () => {
    const alice = await createUser(db, { username: "alice" });
    const bob = await createUser(db, { username: "bob" });
    const { fileId } = await createPublishedPackage(db, alice, "secret", { isPrivate: true });
    const api = callerFor(alice.actor);
    const bobApi = callerFor(bob.actor);
    expect((await failureOf(bobApi.packages.get({ owner: "alice", name: "secret" }))).code).toBe("NOT_FOUND");
    await api.packages.addCollaborator({ owner: "alice", name: "secret", username: "bob" });
    expect((await bobApi.packages.get({ owner: "alice", name: "secret" })).access).toMatchObject({
      level: "write",
      can: { see: true, upload: true, label: true, changePrivacy: false, delete: false, transfer: false },
    });
    await bobApi.packages.addLabel({ fileId, label: "dev" });
    expect((await failureOf(bobApi.packages.setPrivacy({ owner: "alice", name: "secret", isPrivate: false }))).code).toBe("FORBIDDEN");
    expect((await failureOf(bobApi.packages.addCollaborator({ owner: "alice", name: "secret", username: "alice" }))).code).toBe("FORBIDDEN");
    expect(await api.packages.access({ owner: "alice", name: "secret" })).toMatchObject({
      owners: ["alice"],
      collaborators: [expect.objectContaining({ username: "bob", levelLabel: "Read-Write" })],
      groups: [],
    });
    await api.packages.removeCollaborator({ owner: "alice", name: "secret", username: "bob" });
    expect((await failureOf(bobApi.packages.get({ owner: "alice", name: "secret" }))).code).toBe("NOT_FOUND");
    expect(await recordedAuditActions(db)).toEqual(expect.arrayContaining(["package.collaborator_added", "package.collaborator_removed"]));
  });

  it("give an organization's package to a group, creating the group there when it does not exist", async () => {
    const { organization, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await createPublishedPackage(db, organization, "shared", { isPrivate: true });
    await createPublishedPackage(db, organization, "other", { isPrivate: true });
    await api.packages.addGroup({ owner: "team", name: "shared", group: "Shared readers", level: "read" });
    await api.organizations.addGroupMember({ organization: "team", group: "Shared readers", username: "bob" });
    const listed = await callerFor(bob.actor).packages.listByOwner({ owner: "team" });
    expect(listed.items.map((item) => item.name)).toEqual(["shared"]);
    expect(listed.total).toBe(1);
    expect((await api.packages.access({ owner: "team", name: "shared" })).groups).toEqual([
      expect.objectContaining({ name: "Shared readers", levelLabel: "Read-Only", reachesAllPackages: false }),
    ]);
    await api.packages.removeGroup({ owner: "team", name: "shared", group: "Shared readers" });
    expect((await callerFor(bob.actor).packages.listByOwner({ owner: "team" })).items).toEqual([]);
  });
});

describe("transferring a package", () => {
  it("moves files, labels, stars and downloads to an organization the user administers, with a redirect and mail", async () => {
    const { alice, organization, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    const moved = await createPublishedPackage(db, alice, "tool");
    await db.update(packageFiles).set({ downloadCount: 7 }).where(eq(packageFiles.id, moved.fileId));
    await db.insert(packageStars).values({ userId: bob.id, packageId: moved.packageId });
    await db.insert(fileLabels).values({ fileId: moved.fileId, label: "dev" });

    const wrong = { owner: "alice", name: "tool", to: "team", confirmation: "tool", password: "not my password" };
    expect((await failureOf(api.packages.transfer(wrong))).fieldErrors?.password).toBe("Your password is not right.");
    expect((await failureOf(api.packages.transfer({ ...wrong, password: alice.password, confirmation: "Tool" }))).fieldErrors?.confirmation).toBeDefined();
    expect((await failureOf(api.packages.transfer({ ...wrong, password: alice.password, to: "bob" }))).code).toBe("FORBIDDEN");
    expect(await api.packages.transferTargets()).toEqual(["alice", "team"]);

    expect(await api.packages.transfer({ ...wrong, password: alice.password })).toEqual({ owner: "team", name: "tool" });
    const after = await api.packages.get({ owner: "team", name: "tool" });
    expect(after.files).toEqual([expect.objectContaining({ downloadCount: 7, labels: ["dev", "main"] })]);
    expect(after.stars).toBe(1);
    expect((await db.select({ ownerId: packageFiles.ownerId }).from(packageFiles))[0]?.ownerId).toBe(organization.id);
    expect((await api.packages.listByOwner({ owner: "alice" })).items).toEqual([]);
    expect(await callerFor(bob.actor).packages.redirect({ owner: "alice", name: "tool" })).toEqual({ owner: "team", name: "tool" });
    expect((await sentEmails(db, { to: alice.email })).map((mail) => mail.subject)).toContain("alice/tool now belongs to team");
    const transferred = (await db.select().from(packages).where(eq(packages.name, "tool")))[0]!;
    expect(transferred.ownerId).toBe(organization.id);
    expect(await recordedAuditActions(db)).toContain("package.transferred");

    // And back again, from the organization to its owner.
    await api.packages.transfer({ owner: "team", name: "tool", to: "alice", confirmation: "tool", password: alice.password });
    expect((await api.packages.get({ owner: "alice", name: "tool" })).name).toBe("tool");
  });

  it("takes a package out of an organization only for its administrators", async () => {
    const { organization, api } = await team();
    const bob = await createUser(db, { username: "bob" });
    await createPublishedPackage(db, organization, "shared");
    await api.packages.addGroup({ owner: "team", name: "shared", group: "Shared admins", level: "admin" });
    await api.organizations.addGroupMember({ organization: "team", group: "Shared admins", username: "bob" });
    const bobApi = callerFor(bob.actor);
    expect((await bobApi.packages.get({ owner: "team", name: "shared" })).access.can).toMatchObject({ delete: true, transfer: false });
    const failure = await failureOf(bobApi.packages.transfer({ owner: "team", name: "shared", to: "bob", confirmation: "shared", password: bob.password }));
    expect(failure.code).toBe("FORBIDDEN");
    expect(failure.message).toBe("Only an administrator of team can transfer its packages to another owner.");
    expect((await api.packages.get({ owner: "team", name: "shared" })).name).toBe("shared");
  });

  it("is refused when the new owner's plan has no room, and nothing moves", async () => {
    const { alice, api } = await team();
    await createPublishedPackage(db, alice, "private-tool", { isPrivate: true });
    const failure = await failureOf(api.packages.transfer({ owner: "alice", name: "private-tool", to: "team", confirmation: "private-tool", password: alice.password }));
    expect(failure.code).toBe("FORBIDDEN");
    expect(failure.message).toBe(
      "team's plan (Free) allows no private packages, and team has 0. Make the package public, delete a private one, or change the plan under Settings → Billing.",
    );
    expect((await api.packages.get({ owner: "alice", name: "private-tool" })).name).toBe("private-tool");
  });
});

describe("plans", () => {
  it("shows the plan and usage on Billing, and changes only to self-service plans", async () => {
    const alice = await createUser(db, { username: "alice" });
    await createPublishedPackage(db, alice, "one", { isPrivate: true });
    const api = callerFor(alice.actor);
    const billing = await api.billing.get({ owner: "alice" });
    expect(billing.plan.slug).toBe("free");
    expect(billing.usage).toEqual({ privatePackages: 1, storageBytes: 1 });
    expect(billing.plans.map((plan) => plan.slug)).toEqual(["free", "personal", "academic"]);
    const failure = await failureOf(api.billing.changePlan({ owner: "alice", plan: "personal" }));
    expect(failure.fieldErrors?.plan).toBe("The Personal plan is assigned by the site's administrators: ask one of them to change alice's plan.");
    expect((await failureOf(api.billing.changePlan({ owner: "alice", plan: "organization" }))).fieldErrors?.plan).toBe(
      "There is no plan organization for personal accounts.",
    );
  });

  it("refuses making a package private past the limit, naming the limit and the usage", async () => {
    const alice = await createUser(db, { username: "alice" });
    await db.update(plans).set({ maxPrivatePackages: 1 }).where(eq(plans.slug, "free"));
    await createPublishedPackage(db, alice, "one", { isPrivate: true });
    await createPublishedPackage(db, alice, "two");
    const failure = await failureOf(callerFor(alice.actor).packages.setPrivacy({ owner: "alice", name: "two", isPrivate: true }));
    expect(failure.message).toBe(
      "alice's plan (Free) allows 1 private package, and alice has 1. Make the package public, delete a private one, or change the plan under Settings → Billing.",
    );
    expect((await db.select().from(packages).where(and(eq(packages.name, "two"), eq(packages.isPrivate, true))))).toEqual([]);
  });

  it("are edited and assigned by site administrators, never below an owner's usage", async () => {
    const alice = await createUser(db, { username: "alice" });
    const admin = await createUser(db, { username: "root", isSiteAdmin: true });
    await createPublishedPackage(db, alice, "one", { isPrivate: true });
    await createPublishedPackage(db, alice, "two", { isPrivate: true });
    const api = callerFor(admin.actor);
    await api.billing.updatePlan({ slug: "personal", name: "Personal", description: "", maxPrivatePackages: 1, maxStorageBytes: null, selfService: false, priceLabel: "" });
    expect((await failureOf(api.billing.assignPlan({ owner: "alice", plan: "personal" }))).code).toBe("PRECONDITION_FAILED");
    await api.billing.updatePlan({ slug: "personal", name: "Personal", description: "", maxPrivatePackages: 5, maxStorageBytes: null, selfService: false, priceLabel: "" });
    await api.billing.assignPlan({ owner: "alice", plan: "personal" });
    expect((await callerFor(alice.actor).billing.get({ owner: "alice" })).plan.slug).toBe("personal");
    expect(await recordedAuditActions(db)).toEqual(expect.arrayContaining(["plan.updated", "plan.assigned"]));
    expect((await api.billing.listPlans()).find((plan) => plan.slug === "personal")?.owners).toBe(1);
  });

  it("give the Academic plan to a confirmed address at an academic domain", async () => {
    const visitor = callerFor({ kind: "anonymous", origin: { ipAddress: "203.0.113.9", userAgent: null } });
    await visitor.account.signUp({ username: "ada", email: "ada@math.example.edu", password: "a long password", passwordConfirmation: "a long password", acceptTerms: true });
    const [mail] = await sentEmails(db, { to: "ada@math.example.edu" });
    expect(mail?.subject).toBe("Confirm your Granary e-mail address");
    const token = /confirm-email\?token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? "")?.[1];
    expect(token).toBeDefined();
    await visitor.account.confirmEmailChange({ token: token! });
    const [ada] = await db.select().from(users).where(eq(users.username, "ada"));
    expect(ada?.emailConfirmedAt).not.toBeNull();
    const [academic] = await db.select().from(plans).where(eq(plans.slug, "academic"));
    expect(ada?.planId).toBe(academic?.id);
    expect(await recordedAuditActions(db)).toEqual(expect.arrayContaining(["account.email_confirmed", "plan.assigned"]));
  });
});
