/**
 * Yanking releases (PEP 592) through the router: who may, what it records, what the package page then shows, and
 * what a bad request gets. What installers see of it is tested in the protocol tests (the simple page, and pip).
 */
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createPublishedPackage, createSiteAdmin, createUser, recordedAuditEvents } from "@/test/factories";
import { yankedReleases } from "../db/schema";
import { getChannelRevision } from "./owners";

const db = setUpTestDatabase();

async function world() {
  const alice = await createUser(db, { username: "alice" });
  const bob = await createUser(db, { username: "bob" });
  await createPublishedPackage(db, alice, "yank-demo");
  return { alice, bob, api: callerFor(alice.actor) };
}

const release = { owner: "alice", name: "yank-demo", version: "1.0" };

describe("yanking a release", () => {
  it("marks the release in the release history, keeps its files, moves the channel and records who did it and why", async () => {
    const { alice, api } = await world();
    const revisionBefore = await getChannelRevision(db, alice.id);
    await expect(api.packages.setReleaseYanked({ ...release, yanked: true, reason: "  Broken on Windows  " })).resolves.toEqual({ ok: true });

    const page = await callerFor(anonymous()).packages.get({ owner: "alice", name: "yank-demo" });
    expect(page.details.releases).toEqual([expect.objectContaining({ version: "1.0", yanked: { reason: "Broken on Windows" } })]);
    expect(page.files).toHaveLength(1);
    expect(page.access.can.yank).toBe(false);
    expect((await api.packages.get({ owner: "alice", name: "yank-demo" })).access.can.yank).toBe(true);
    expect(await getChannelRevision(db, alice.id)).toBeGreaterThan(revisionBefore);
    const [event] = await recordedAuditEvents(db, { action: "package.release_yanked" });
    expect(event).toMatchObject({ actorUserId: alice.id, subjectUserId: alice.id, details: { version: "1.0", reason: "Broken on Windows" } });

    // Yanking again changes the reason only.
    await api.packages.setReleaseYanked({ ...release, yanked: true });
    expect(await db.select({ reason: yankedReleases.reason }).from(yankedReleases)).toEqual([{ reason: "" }]);

    await api.packages.setReleaseYanked({ ...release, yanked: false });
    expect((await api.packages.get({ owner: "alice", name: "yank-demo" })).details.releases[0]!.yanked).toBeNull();
    const [unyanked] = await recordedAuditEvents(db, { action: "package.release_unyanked" });
    expect(unyanked).toMatchObject({ actorUserId: alice.id, details: { version: "1.0" } });
  });

  it("takes Administration: collaborators with Read-Write, strangers and visitors are refused and nothing changes", async () => {
    const { bob, api } = await world();
    await api.packages.addCollaborator({ owner: "alice", name: "yank-demo", username: "bob" });
    const collaborator = await failureOf(callerFor(bob.actor).packages.setReleaseYanked({ ...release, yanked: true }));
    expect(collaborator.code).toBe("FORBIDDEN");
    expect(collaborator.message).toBe("You need Administration access to this package to yank or un-yank its releases.");
    const stranger = await createUser(db, { username: "carol" });
    expect((await failureOf(callerFor(stranger.actor).packages.setReleaseYanked({ ...release, yanked: true }))).code).toBe("FORBIDDEN");
    expect((await failureOf(callerFor(anonymous()).packages.setReleaseYanked({ ...release, yanked: true }))).code).toBe("UNAUTHORIZED");
    expect(await db.select().from(yankedReleases)).toEqual([]);
    expect(await recordedAuditEvents(db, { action: "package.release_yanked" })).toEqual([]);

    // A site administrator administers every package.
    const admin = await createSiteAdmin(db);
    await callerFor(admin.actor).packages.setReleaseYanked({ ...release, yanked: true });
    expect(await db.select({ version: yankedReleases.version }).from(yankedReleases)).toEqual([{ version: "1.0" }]);
  });

  it("a private package is not found by those who cannot see it", async () => {
    const alice = await createUser(db, { username: "alice" });
    const bob = await createUser(db, { username: "bob" });
    await createPublishedPackage(db, alice, "hidden", { isPrivate: true });
    const failure = await failureOf(callerFor(bob.actor).packages.setReleaseYanked({ owner: "alice", name: "hidden", version: "1.0", yanked: true }));
    expect(failure.code).toBe("NOT_FOUND");
  });

  it("answers a bad request with a field error and changes nothing", async () => {
    const { api } = await world();
    const unknown = await failureOf(api.packages.setReleaseYanked({ ...release, version: "9.9", yanked: true }));
    expect(unknown.code).toBe("NOT_FOUND");
    expect(unknown.fieldErrors).toEqual({ version: "yank-demo has no version 9.9." });
    const notYanked = await failureOf(api.packages.setReleaseYanked({ ...release, yanked: false }));
    expect(notYanked.code).toBe("CONFLICT");
    expect(notYanked.fieldErrors).toEqual({ version: "yank-demo 1.0 is not yanked." });
    const controlCharacters = await failureOf(api.packages.setReleaseYanked({ ...release, yanked: true, reason: "line one\nline two" }));
    expect(controlCharacters.code).toBe("BAD_REQUEST");
    expect(controlCharacters.fieldErrors?.reason).toBe("The reason is one line of text, without control characters.");
    const tooLong = await failureOf(api.packages.setReleaseYanked({ ...release, yanked: true, reason: "x".repeat(251) }));
    expect(tooLong.fieldErrors?.reason).toBe("Keep the reason to 250 characters.");
    expect(await db.select().from(yankedReleases)).toEqual([]);
    expect(await recordedAuditEvents(db, { action: "package.release_yanked" })).toEqual([]);
  });
});
