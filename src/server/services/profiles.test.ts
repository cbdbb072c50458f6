import { describe, expect, it } from "vitest";
import { callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createAccessToken, createPublishedPackage, createSiteAdmin, createTestOrganization, createUser } from "@/test/factories";
import { tokenActor } from "../authz";
import { toActorUser } from "./account-records";
import { addMember } from "./organizations";

const db = setUpTestDatabase();

describe("a person's profile", () => {
  async function world() {
    const ada = await createUser(db, { username: "ada" });
    const bob = await createUser(db, { username: "bob" });
    const stranger = await createUser(db, { username: "stranger" });
    const admin = await createSiteAdmin(db, { username: "boss" });
    const engines = await createTestOrganization(db, ada, "engines");
    const looms = await createTestOrganization(db, ada, "looms");
    await addMember(db, ada.actor, { organization: engines.username, username: bob.username });
    await createPublishedPackage(db, ada, "public-tools");
    await createPublishedPackage(db, ada, "secret-tools", { isPrivate: true });
    return { ada, bob, stranger, admin, engines, looms };
  }
  const organizationsSeenBy = async (actor: Parameters<typeof callerFor>[0], username: string) =>
    (await callerFor(actor).profiles.memberships({ username })).organizations.map((organization) => organization.username);

  it("lists the organizations whose members the visitor may see: their own, to a member, all to an administrator", async () => {
    const { ada, bob, stranger, admin } = await world();
    expect(await organizationsSeenBy(ada.actor, "ada")).toEqual(["engines", "looms"]);
    // Bob is in engines only: he sees Ada there, and not that she is in looms.
    expect(await organizationsSeenBy(bob.actor, "ADA")).toEqual(["engines"]);
    expect(await organizationsSeenBy(stranger.actor, "ada")).toEqual([]);
    expect(await organizationsSeenBy(anonymous(), "ada")).toEqual([]);
    expect(await organizationsSeenBy(admin.actor, "ada")).toEqual(["engines", "looms"]);
    expect((await callerFor(admin.actor).profiles.memberships({ username: "ada" })).organizations[0]).toMatchObject({ role: "owner" });
  });

  it("shows a token restricted to one channel no organization outside it", async () => {
    const { ada, engines } = await world();
    const token = await createAccessToken(db, ada, { channelOwnerId: engines.id });
    const restricted = tokenActor(toActorUser(ada), { id: token.id, name: token.name, scopes: ["all"], channelOwnerId: engines.id });
    expect(await organizationsSeenBy(restricted, "ada")).toEqual(["engines"]);
  });

  it("lists only the public packages to a visitor, and the private ones too to the owner", async () => {
    const { ada } = await world();
    const names = async (actor: Parameters<typeof callerFor>[0]) =>
      (await callerFor(actor).packages.listByOwner({ owner: "ada" })).items.map((item) => item.name).sort();
    expect(await names(anonymous())).toEqual(["public-tools"]);
    expect(await names(ada.actor)).toEqual(["public-tools", "secret-tools"]);
  });
});
