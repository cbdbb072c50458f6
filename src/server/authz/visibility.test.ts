/**
 * The policy's two forms must agree: the SQL condition that listings, searches and indexes apply (visiblePackages)
 * and the one-resource check that downloads and changes apply (canSeeOwnedResource), on a real database, for every
 * kind of actor. And every actor in the same packageAudience for an owner sees exactly the same packages of it,
 * which is what lets the protocol handler cache one copy of an index per audience.
 */
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { packages } from "@/server/db/schema";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createPublishedPackage, createSiteAdmin, createUser, type TestUser } from "@/test/factories";
import { canSeeOwnedResource, canSeeOwner, packageAudience, tokenActor, visiblePackages, type Actor } from ".";

const db = setUpTestDatabase();

interface World {
  alice: TestUser;
  bob: TestUser;
  admin: TestUser;
  actors: Record<string, Actor>;
}

async function world(): Promise<World> {
  const alice = await createUser(db, { username: "alice" });
  const bob = await createUser(db, { username: "bob" });
  const admin = await createSiteAdmin(db, { username: "boss" });
  for (const owner of [alice, bob, admin]) {
    await createPublishedPackage(db, owner, `${owner.username}-public`);
    await createPublishedPackage(db, owner, `${owner.username}-private`, { isPrivate: true });
  }
  const token = (user: TestUser, channelOwnerId: string | null) =>
    tokenActor({ id: user.id, username: user.username, email: user.email, name: user.name, isSiteAdmin: user.isSiteAdmin }, {
      id: `t-${user.username}-${channelOwnerId ?? "any"}`,
      name: "ci",
      scopes: ["all"],
      channelOwnerId,
    });
  return {
    alice,
    bob,
    admin,
    actors: {
      anonymous: anonymous(),
      alice: alice.actor,
      bob: bob.actor,
      admin: admin.actor,
      "alice's token": token(alice, null),
      "alice's token for alice": token(alice, alice.id),
      "alice's token for bob": token(alice, bob.id),
      "the admin's token for bob": token(admin, bob.id),
    },
  };
}

async function visibleNames(actor: Actor, ownerId?: string): Promise<string[]> {
  const rows = await db
    .select({ name: packages.name })
    .from(packages)
    .where(and(visiblePackages(actor), ownerId ? eq(packages.ownerId, ownerId) : undefined));
  return rows.map((row) => row.name).sort();
}

describe("visiblePackages and canSeeOwnedResource", () => {
  let setting: World;
  beforeEach(async () => {
    setting = await world();
  });

  it("agree for every kind of actor", async () => {
    const everyPackage = await db.select({ name: packages.name, ownerId: packages.ownerId, isPrivate: packages.isPrivate }).from(packages);
    expect(everyPackage).toHaveLength(6);
    for (const [label, actor] of Object.entries(setting.actors)) {
      const expected = everyPackage.filter((pkg) => canSeeOwnedResource(actor, pkg)).map((pkg) => pkg.name).sort();
      expect(await visibleNames(actor), label).toEqual(expected);
    }
  });

  it("show what the issue promises, written out", async () => {
    const { actors } = setting;
    expect(await visibleNames(actors.anonymous!)).toEqual(["alice-public", "bob-public", "boss-public"]);
    expect(await visibleNames(actors.bob!)).toEqual(["alice-public", "bob-private", "bob-public", "boss-public"]);
    expect(await visibleNames(actors.admin!)).toHaveLength(6);
    expect(await visibleNames(actors["alice's token for bob"]!)).toEqual(["bob-public"]);
    expect(await visibleNames(actors["the admin's token for bob"]!)).toEqual(["bob-private", "bob-public"]);
  });

  it("give every actor of one audience the same packages of that owner", async () => {
    const owners = [setting.alice, setting.bob, setting.admin];
    for (const owner of owners) {
      const byAudience = new Map<string, string[]>();
      for (const [label, actor] of Object.entries(setting.actors)) {
        // A token restricted to another channel sees nothing of this owner: its requests end in a 404 before any index.
        if (!canSeeOwner(actor, owner.id)) {
          expect(await visibleNames(actor, owner.id), label).toEqual([]);
          continue;
        }
        const audience = packageAudience(actor, owner.id);
        const seen = await visibleNames(actor, owner.id);
        const first = byAudience.get(audience);
        if (first) expect(seen, `${label} for ${owner.username}`).toEqual(first);
        else byAudience.set(audience, seen);
      }
      expect(byAudience.get("everything")).toEqual([`${owner.username}-private`, `${owner.username}-public`]);
      expect(byAudience.get("public")).toEqual([`${owner.username}-public`]);
    }
  });
});
