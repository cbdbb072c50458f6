/**
 * The policy on a real database, for every kind of actor the issue names: a stranger, each group level reaching all
 * packages and reaching selected ones, a collaborator, an organization's owner, a member removed a moment ago, a
 * site administrator, and channel-restricted tokens. Expected answers are written out, not derived from the policy;
 * then the policy's forms are checked against each other: the SQL condition (visiblePackages), the one-resource
 * check with grants (canSeeOwnedResource), and packageAudience's promise that one audience sees one set.
 */
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { packages } from "@/server/db/schema";
import { addGroupMember, createGroup } from "@/server/services/groups";
import { listGrantedPrivatePackages } from "@/server/services/channels";
import { addMember, removeMember } from "@/server/services/organizations";
import { addCollaborator, addPackageGroup } from "@/server/services/package-sharing";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createPublishedPackage, createSiteAdmin, createTestOrganization, createUser, type TestUser } from "@/test/factories";
import {
  assertOrganizationAction,
  assertPackageAction,
  audienceOfGrants,
  canSeeOwnedResource,
  canSeeOwner,
  channelAccessLevel,
  knownAudience,
  organizationStanding,
  packageAccessLevel,
  tokenActor,
  visiblePackages,
  visiblePackagesLookedUp,
  type Actor,
} from ".";

const db = setUpTestDatabase();

type Name = "owner" | "administrator" | "writer" | "reader" | "selectedReader" | "selectedWriter" | "collaborator" | "stranger" | "removed" | "siteAdmin" | "rivalOwner";
let people: Record<Name, TestUser>;
let actors: Record<string, Actor>;
let team: { id: string; username: string };
let rivals: { id: string; username: string };
const ids: Record<string, string> = {};

function tokenOf(user: TestUser, channelOwnerId: string | null): Actor {
  const { id, username, email, name, isSiteAdmin } = user;
  return tokenActor({ id, username, email, name, isSiteAdmin }, { id: `t-${username}-${channelOwnerId ?? "any"}`, name: "ci", scopes: ["all"], channelOwnerId });
}

// The database is emptied before every test, so each builds the world afresh.
beforeEach(async () => {
  const names: Name[] = ["owner", "administrator", "writer", "reader", "selectedReader", "selectedWriter", "collaborator", "stranger", "removed", "rivalOwner"];
  const made: Partial<Record<Name, TestUser>> = {};
  for (const name of names) made[name] = await createUser(db, { username: name.toLowerCase() });
  made.siteAdmin = await createSiteAdmin(db, { username: "root" });
  people = made as Record<Name, TestUser>;
  const { owner } = people;
  team = await createTestOrganization(db, owner, "team");
  rivals = await createTestOrganization(db, people.rivalOwner, "rivals");
  for (const [name, isPrivate] of [["p1", true], ["p2", true], ["p3", false], ["p4", true]] as const) {
    ids[name] = (await createPublishedPackage(db, team, name, { isPrivate })).packageId;
  }
  ids.r1 = (await createPublishedPackage(db, rivals, "r1", { isPrivate: true })).packageId;
  ids.mine = (await createPublishedPackage(db, people.stranger, "mine", { isPrivate: true })).packageId;

  const as = owner.actor;
  const organization = team.username;
  await createGroup(db, as, { organization, name: "Admins", level: "admin", reachesAllPackages: true });
  await createGroup(db, as, { organization, name: "Writers", level: "write", reachesAllPackages: true });
  await createGroup(db, as, { organization, name: "Readers", level: "read", reachesAllPackages: true });
  await addGroupMember(db, as, { organization, group: "Admins", username: "administrator" });
  await addGroupMember(db, as, { organization, group: "Writers", username: "writer" });
  await addGroupMember(db, as, { organization, group: "Readers", username: "reader" });
  await addGroupMember(db, as, { organization, group: "Readers", username: "removed" });
  await removeMember(db, as, { organization, username: "removed" });
  // Package Settings → Collaborators → Add group creates the group over selected packages.
  await addPackageGroup(db, as, { owner: organization, name: "p1", group: "P1 readers", level: "read" });
  await addPackageGroup(db, as, { owner: organization, name: "p1", group: "P1 writers", level: "write" });
  await addGroupMember(db, as, { organization, group: "P1 readers", username: "selectedreader" });
  await addGroupMember(db, as, { organization, group: "P1 writers", username: "selectedwriter" });
  await addCollaborator(db, as, { owner: organization, name: "p2", username: "collaborator" });
  await addMember(db, as, { organization, username: "stranger", role: "member" });
  await removeMember(db, as, { organization, username: "stranger" });

  actors = Object.fromEntries(Object.entries(people).map(([name, person]) => [name, person.actor]));
  actors.anonymous = anonymous();
  actors["writer's token for team"] = tokenOf(people.writer, team.id);
  actors["writer's token for rivals"] = tokenOf(people.writer, rivals.id);
  actors["root's token for rivals"] = tokenOf(people.siteAdmin, rivals.id);
});

async function visibleNames(actor: Actor, ownerId?: string, condition = visiblePackages(actor)): Promise<string[]> {
  const rows = await db
    .select({ name: packages.name })
    .from(packages)
    .where(and(condition, ownerId ? eq(packages.ownerId, ownerId) : undefined));
  return rows.map((row) => row.name).sort();
}

describe("what each actor sees and may do", () => {
  const everything = ["mine", "p1", "p2", "p3", "p4", "r1"];
  const expectedVisible: Record<string, string[]> = {
    anonymous: ["p3"],
    owner: ["p1", "p2", "p3", "p4"],
    administrator: ["p1", "p2", "p3", "p4"],
    writer: ["p1", "p2", "p3", "p4"],
    reader: ["p1", "p2", "p3", "p4"],
    selectedReader: ["p1", "p3"],
    selectedWriter: ["p1", "p3"],
    collaborator: ["p2", "p3"],
    stranger: ["mine", "p3"],
    removed: ["p3"],
    rivalOwner: ["p3", "r1"],
    siteAdmin: everything,
    "writer's token for team": ["p1", "p2", "p3", "p4"],
    "writer's token for rivals": [],
    "root's token for rivals": ["r1"],
  };

  it("sees exactly the packages its access gives it", async () => {
    for (const [name, expected] of Object.entries(expectedVisible)) expect(await visibleNames(actors[name]!), name).toEqual(expected);
  });

  it("sees the same packages through its grants looked up first", async () => {
    for (const [name, expected] of Object.entries(expectedVisible)) {
      expect(await visibleNames(actors[name]!, undefined, await visiblePackagesLookedUp(db, actors[name]!)), name).toEqual(expected);
    }
  });

  it("holds the level its group, collaboration or ownership gives, package by package", async () => {
    const level = (name: string, pkg: string) => packageAccessLevel(db, actors[name]!, ids[pkg]!);
    const expected: [string, string, string | null][] = [
      ["owner", "p4", "admin"],
      ["administrator", "p4", "admin"],
      ["writer", "p4", "write"],
      ["reader", "p4", "read"],
      ["reader", "p3", "read"],
      ["selectedReader", "p1", "read"],
      ["selectedReader", "p2", null],
      ["selectedWriter", "p1", "write"],
      ["selectedWriter", "p3", "read"],
      ["collaborator", "p2", "write"],
      ["collaborator", "p1", null],
      ["stranger", "p3", "read"],
      ["stranger", "p1", null],
      ["removed", "p1", null],
      ["anonymous", "p3", "read"],
      ["anonymous", "p1", null],
      ["siteAdmin", "r1", "admin"],
      ["rivalOwner", "p1", null],
      ["writer's token for rivals", "p3", null],
    ];
    for (const [name, pkg, want] of expected) expect(await level(name, pkg), `${name} on ${pkg}`).toBe(want);
  });

  it("refuses what a level does not allow, and hides what it does not reach", async () => {
    await expect(assertPackageAction(db, actors.reader!, ids.p1!, "upload")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(assertPackageAction(db, actors.writer!, ids.p1!, "changePrivacy")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(assertPackageAction(db, actors.collaborator!, ids.p2!, "delete")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(assertPackageAction(db, actors.stranger!, ids.p1!, "see")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(assertPackageAction(db, actors.removed!, ids.p1!, "download")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(assertPackageAction(db, actors.anonymous!, ids.p3!, "upload")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(assertPackageAction(db, actors.selectedWriter!, ids.p1!, "label")).resolves.toBe("write");
    await expect(assertPackageAction(db, actors.administrator!, ids.p4!, "transfer")).resolves.toBe("admin");
  });

  it("gives channel-wide access only to groups over every package and to owners", async () => {
    const expected: Record<string, string | null> = {
      owner: "admin",
      administrator: "admin",
      writer: "write",
      reader: "read",
      selectedWriter: null,
      collaborator: null,
      stranger: null,
      anonymous: null,
      siteAdmin: "admin",
      "writer's token for rivals": null,
    };
    for (const [name, level] of Object.entries(expected)) expect(await channelAccessLevel(db, actors[name]!, team.id), name).toBe(level);
  });

  it("knows each member's standing in the organization", async () => {
    const expected: Record<string, string | null> = {
      owner: "owner",
      administrator: "administrator",
      writer: "member",
      selectedReader: "member",
      collaborator: null,
      removed: null,
      stranger: null,
      siteAdmin: "owner",
    };
    for (const [name, standing] of Object.entries(expected)) expect(await organizationStanding(db, actors[name]!, team.id), name).toBe(standing);
    await expect(assertOrganizationAction(db, actors.writer!, team, "manageGroups")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(assertOrganizationAction(db, actors.administrator!, team, "delete")).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(assertOrganizationAction(db, actors.stranger!, team, "see")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(assertOrganizationAction(db, actors.administrator!, team, "manageMembers")).resolves.toBe("administrator");
  });
});

describe("the policy's forms agree", () => {
  it("one resource at a time, with the channel's grants, as the SQL condition says", async () => {
    const all = await db.select({ id: packages.id, name: packages.name, ownerId: packages.ownerId, isPrivate: packages.isPrivate }).from(packages);
    for (const [name, actor] of Object.entries(actors)) {
      const seen: string[] = [];
      for (const pkg of all) {
        const grants = actor.kind === "user" ? new Set(await listGrantedPrivatePackages(db, actor, pkg.ownerId)) : undefined;
        if (canSeeOwnedResource(actor, { ownerId: pkg.ownerId, isPrivate: pkg.isPrivate, packageId: pkg.id }, grants)) seen.push(pkg.name);
      }
      expect(seen.sort(), name).toEqual(await visibleNames(actor));
    }
  });

  it("every actor of one audience sees the same packages of an owner", async () => {
    for (const owner of [team, rivals]) {
      const byAudience = new Map<string, string[]>();
      for (const [name, actor] of Object.entries(actors)) {
        const seen = await visibleNames(actor, owner.id);
        if (!canSeeOwner(actor, owner.id)) {
          expect(seen, name).toEqual([]);
          continue;
        }
        const known = knownAudience(actor, owner.id);
        const audience = known ?? audienceOfGrants(actor.kind === "user" ? await listGrantedPrivatePackages(db, actor, owner.id) : []);
        const first = byAudience.get(audience);
        if (first) expect(seen, `${name} for ${owner.username}`).toEqual(first);
        else byAudience.set(audience, seen);
      }
      // Readers of every package, administrators and writers share one view; selected groups share another.
      expect(byAudience.size).toBeGreaterThan(1);
    }
  });
});
