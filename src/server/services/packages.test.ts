/**
 * Publishing and managing packages through the service, with real package files built by the publishers'
 * own tools and a real file store on disk.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createPublishedPackage, createSiteAdmin, createUser, recordedAuditEvents } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions, writeNotebook } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { channelRevisions, packageFiles, packages } from "../db/schema";
import { AppError } from "../errors";
import { BlobStore } from "../storage";
import { normalizePackageName } from "@/shared/schemas/packages";
import { getChannelRevision } from "./owners";
import * as packageChanges from "./package-changes";
import { ChecksumMismatchError, publishFile, type PublishInput } from "./publishing";

const db = setUpTestDatabase();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "granary-packages-test-"));
const store = new BlobStore(path.join(workspace, "store"));
const fixtures = path.join(workspace, "fixtures");
requireTools("cph", "pythonBuild");
let conda: string;
let wheel: string;
let sdist: string;

beforeAll(() => {
  fs.mkdirSync(fixtures, { recursive: true });
  conda = buildCondaPackage({ name: "svc-tools", version: "1.0" }, fixtures);
  ({ wheel, sdist } = buildPythonDistributions({ name: "svc-demo", version: "2.0", summary: "Service demo" }, fixtures));
});
// The database is emptied before each test; the file store is too.
beforeEach(() => fs.rmSync(store.root, { recursive: true, force: true }));
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

async function receive(file: string) {
  return store.receive(Readable.from(fs.readFileSync(file)), 10 * 1024 * 1024);
}

async function publish(owner: { username: string; actor: Parameters<typeof publishFile>[1] }, file: string, extra: Partial<PublishInput> = {}) {
  return publishFile(db, owner.actor, { ownerName: owner.username, filename: path.basename(file), blob: await receive(file), ...extra }, store);
}

function storedFiles(): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    if (!fs.existsSync(directory)) return;
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(path.relative(store.root, full));
    }
  };
  walk(store.root);
  return found;
}

describe("publishing", () => {
  it("lets uploads, deletions and label changes of one owner run at the same moment, each waiting its turn", async () => {
    // A few rounds: the deadlock this guards against needs two of them to interleave just so.
    for (let round = 0; round < 5; round++) await busyOwnerRound(round);
  });

  async function busyOwnerRound(round: number) {
    const owner = await createUser(db, { username: `busy-owner-${round}` });
    const existing = [];
    for (let index = 0; index < 4; index++) {
      existing.push(await publish(owner, writeNotebook(fixtures, `kept-${index}.ipynb`, `Kept ${index}`)));
    }
    const uploads = Array.from({ length: 4 }, (_, index) => writeNotebook(fixtures, `fresh-${index}.ipynb`, `Fresh ${index}`));
    const results = await Promise.allSettled([
      ...uploads.map((file) => publish(owner, file)),
      packageChanges.deleteFile(db, owner.actor, { fileId: existing[0]!.fileId }, store),
      packageChanges.deletePackage(db, owner.actor, { owner: owner.username, name: "kept-1", confirmation: "kept-1" }, store),
      packageChanges.addLabel(db, owner.actor, { fileId: existing[2]!.fileId, label: "dev" }),
      packageChanges.setPrivacy(db, owner.actor, { owner: owner.username, name: "kept-3", isPrivate: true }),
    ]);
    // Taken in different orders, the owner's row and its channel revision deadlocked here (PostgreSQL 40P01).
    expect(results.filter((result) => result.status === "rejected").map((result) => String((result as PromiseRejectedResult).reason))).toEqual([]);
    const names = (await db.select({ name: packages.name }).from(packages).where(eq(packages.ownerId, owner.id))).map((row) => row.name).sort();
    // kept-0 lost its only file, and a package outlives its files; kept-1 was deleted whole.
    expect(names).toEqual(["fresh-0", "fresh-1", "fresh-2", "fresh-3", "kept-0", "kept-2", "kept-3"]);
  }

  it("publishes a conda package and a wheel from their own metadata, content-addressed", async () => {
    const owner = await createUser(db, { username: "publisher" });
    const published = await publish(owner, conda);
    expect(published).toMatchObject({ owner: "publisher", name: "svc-tools", version: "1.0", subdir: "noarch", labels: ["main"] });
    expect(fs.existsSync(store.blobPath(published.sha256))).toBe(true);

    const pythonFile = await publish(owner, wheel, { labels: ["dev"] });
    expect(pythonFile).toMatchObject({ name: "svc-demo", subdir: "pypi", labels: ["dev"] });
    const [row] = await db.select().from(packageFiles).where(eq(packageFiles.id, pythonFile.fileId));
    expect(row?.coreMetadata).toContain("Name: svc-demo");
    expect(row?.coreMetadataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await getChannelRevision(db, owner.id)).toBe(2);
    expect((await recordedAuditEvents(db, { action: "package.file_uploaded" })).length).toBe(2);
  });

  it("publishes files of a new package uploaded at the same moment into one package", async () => {
    // Several owners at once, so that some pair of uploads surely overlaps between looking for the package and
    // creating it (a race that one pair alone would hit only by chance).
    const owners = await Promise.all(Array.from({ length: 6 }, () => createUser(db)));
    const published = await Promise.all(owners.flatMap((owner) => [publish(owner, wheel), publish(owner, sdist)]));
    for (const [index, owner] of owners.entries()) {
      const [fromWheel, fromSdist] = published.slice(2 * index, 2 * index + 2);
      expect(fromWheel!.packageId).toBe(fromSdist!.packageId);
      const rows = await db.select().from(packages).where(eq(packages.ownerId, owner.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ name: "svc-demo", summary: "Service demo", latestVersion: "2.0", isPrivate: false });
      expect(await db.select().from(packageFiles).where(eq(packageFiles.packageId, fromWheel!.packageId))).toHaveLength(2);
    }
  });

  it("keeps what a new file does not say, and only ever makes a package more private", async () => {
    const owner = await createUser(db);
    await publish(owner, wheel, { makePrivate: true });
    await publish(owner, sdist);
    const [row] = await db.select().from(packages).where(eq(packages.ownerId, owner.id));
    expect(row).toMatchObject({ summary: "Service demo", isPrivate: true });
  });

  it("refuses a duplicate with CONFLICT and leaves nothing behind; --force replaces it", async () => {
    const owner = await createUser(db);
    await publish(owner, conda);
    const before = storedFiles();
    await expect(publish(owner, conda)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(storedFiles()).toEqual(before);
    const replaced = await publish(owner, conda, { replaceExisting: true });
    expect(await db.select().from(packageFiles).where(eq(packageFiles.ownerId, owner.id))).toHaveLength(1);
    expect(replaced.filename).toBe(path.basename(conda));
  });

  it("refuses a damaged upload (checksum mismatch) and a corrupt file without a row or a file", async () => {
    const owner = await createUser(db);
    await expect(publish(owner, conda, { expectedSha256: "f".repeat(64) })).rejects.toBeInstanceOf(ChecksumMismatchError);
    const corrupt = path.join(fixtures, "corrupt-1.0-py_0.tar.bz2");
    fs.writeFileSync(corrupt, Buffer.alloc(512, 7));
    await expect(publish(owner, corrupt)).rejects.toBeInstanceOf(AppError);
    expect(await db.select().from(packages)).toEqual([]);
    expect(storedFiles()).toEqual([]);
    expect(await db.select().from(channelRevisions)).toEqual([]);
  });

  it("stops an oversized upload while it streams", async () => {
    await expect(store.receive(Readable.from(Buffer.alloc(2048)), 1024)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(storedFiles()).toEqual([]);
  });

  it("publishes only under the caller's own name (site administrators excepted)", async () => {
    const owner = await createUser(db, { username: "owner" });
    const other = await createUser(db);
    await expect(publishFile(db, other.actor, { ownerName: "owner", filename: path.basename(conda), blob: await receive(conda) }, store)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(publishFile(db, anonymous(), { ownerName: "owner", filename: path.basename(conda), blob: await receive(conda) }, store)).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    const admin = await createSiteAdmin(db);
    await expect(publishFile(db, admin.actor, { ownerName: "owner", filename: path.basename(conda), blob: await receive(conda) }, store)).resolves.toMatchObject({
      owner: owner.username,
    });
    expect(storedFiles()).toHaveLength(1);
  });

  it("gives notebooks a version when they carry none", async () => {
    const owner = await createUser(db);
    const notebook = writeNotebook(fixtures, "report.ipynb");
    const published = await publish(owner, notebook, { version: "2026.1" });
    expect(published).toMatchObject({ name: "report", version: "2026.1", subdir: "notebooks" });
  });
});

describe("browsing and managing", () => {
  it("hides private packages from everyone but their owner and site administrators", async () => {
    const owner = await createUser(db, { username: "keeper" });
    const stranger = await createUser(db);
    const admin = await createSiteAdmin(db);
    await createPublishedPackage(db, owner, "secret-sauce", { isPrivate: true });
    await createPublishedPackage(db, owner, "open-sauce");

    const names = async (actor = anonymous()) => (await callerFor(actor).packages.search({ query: "sauce" })).items.map((item) => item.name).sort();
    expect(await names()).toEqual(["open-sauce"]);
    expect(await names(stranger.actor)).toEqual(["open-sauce"]);
    expect(await names(owner.actor)).toEqual(["open-sauce", "secret-sauce"]);
    expect(await names(admin.actor)).toEqual(["open-sauce", "secret-sauce"]);

    expect((await failureOf(callerFor(stranger.actor).packages.get({ owner: "keeper", name: "secret-sauce" }))).code).toBe("NOT_FOUND");
    expect((await failureOf(callerFor(anonymous()).packages.get({ owner: "keeper", name: "secret-sauce" }))).code).toBe("NOT_FOUND");
    // Visible but not theirs: FORBIDDEN, not NOT_FOUND.
    expect((await failureOf(callerFor(stranger.actor).packages.setPrivacy({ owner: "keeper", name: "open-sauce", isPrivate: true }))).code).toBe("FORBIDDEN");
    expect((await failureOf(callerFor(stranger.actor).packages.setPrivacy({ owner: "keeper", name: "secret-sauce", isPrivate: false }))).code).toBe("NOT_FOUND");
  });

  it("tells a visitor of an owner's page its name and kind, never its e-mail address or plan", async () => {
    const owner = await createUser(db, { username: "keeper", name: "Keeper of Things" });
    await createPublishedPackage(db, owner, "open-sauce");
    const listed = await callerFor(anonymous()).packages.listByOwner({ owner: "KEEPER" });
    expect(listed.owner).toEqual({ username: "keeper", name: "Keeper of Things", kind: "user", createdAt: owner.createdAt });
    expect(JSON.stringify(listed)).not.toContain(owner.email);
  });

  it("finds packages by name or summary, exact names first, filtered by type", async () => {
    const owner = await createUser(db);
    await createPublishedPackage(db, owner, "plotting");
    await createPublishedPackage(db, owner, "plot");
    const result = await callerFor(anonymous()).packages.search({ query: "plot" });
    expect(result.items.map((item) => item.name)).toEqual(["plot", "plotting"]);
    expect((await callerFor(anonymous()).packages.search({ query: "plot", kind: "notebook" })).total).toBe(0);
    expect((await callerFor(anonymous()).packages.search({ query: "plot", kind: "conda" })).total).toBe(2);
    expect((await callerFor(anonymous()).packages.search({ query: "summary" })).total).toBe(2);
  });

  it("matches each term in the name or the summary, never across the two, with wildcards taken literally", async () => {
    const owner = await createUser(db);
    await createPublishedPackage(db, owner, "plotting");
    await createPublishedPackage(db, owner, "geo_tools");
    await db.update(packages).set({ summary: "Maps of 100% coverage" }).where(eq(packages.name, "geo_tools"));
    const names = async (query: string) => (await callerFor(anonymous()).packages.search({ query })).items.map((item) => item.name).sort();
    // One term in the name, the other in the summary.
    expect(await names("plot summary")).toEqual(["plotting"]);
    expect(await names("GEO maps")).toEqual(["geo_tools"]);
    // The end of the name and the start of the summary are not one word.
    expect(await names("plottingplotting")).toEqual([]);
    expect(await names("toolsmaps")).toEqual([]);
    expect(await names("100%")).toEqual(["geo_tools"]);
    expect(await names("geo%tools")).toEqual([]);
    expect(await names("o_t")).toEqual(["geo_tools"]);
    expect(await names("g_o")).toEqual([]);
  });

  it("tells the total on every page of a listing, also past the last one", async () => {
    const owner = await createUser(db, { username: "pager" });
    for (const name of ["page-a", "page-b", "page-c"]) await createPublishedPackage(db, owner, name);
    await createPublishedPackage(db, owner, "page-hidden", { isPrivate: true });
    const caller = callerFor(anonymous());
    const first = await caller.packages.listByOwner({ owner: "pager", page: 1, pageSize: 2 });
    const second = await caller.packages.listByOwner({ owner: "pager", page: 2, pageSize: 2 });
    const beyond = await caller.packages.listByOwner({ owner: "pager", page: 5, pageSize: 2 });
    expect([first.total, second.total, beyond.total]).toEqual([3, 3, 3]);
    expect([...first.items, ...second.items].map((item) => item.name).sort()).toEqual(["page-a", "page-b", "page-c"]);
    expect(beyond.items).toEqual([]);
    expect((await caller.packages.search({ query: "page", page: 3, pageSize: 2 })).total).toBe(3);
    expect((await callerFor(owner.actor).packages.search({ query: "page", page: 1, pageSize: 2 })).total).toBe(4);
    expect((await caller.packages.search({ query: "nothing-like-it" })).total).toBe(0);
  });

  it("adds, moves and removes labels, moving the channel revision each time", async () => {
    const owner = await createUser(db);
    const { fileId } = await createPublishedPackage(db, owner, "labelled");
    const caller = callerFor(owner.actor);
    await caller.packages.addLabel({ fileId, label: "dev" });
    await caller.packages.moveLabel({ fileId, from: "dev", to: "stable" });
    expect((await caller.packages.labels({ owner: owner.username })).map((row) => row.label)).toEqual(["main", "stable"]);
    const missing = await failureOf(caller.packages.removeLabel({ fileId, label: "dev" }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", fieldErrors: { label: expect.stringContaining("no label dev") } });
    await caller.packages.removeLabel({ fileId, label: "stable" });
    expect(await getChannelRevision(db, owner.id)).toBe(3);
    expect((await failureOf(caller.packages.addLabel({ fileId, label: "bad label!" }))).code).toBe("BAD_REQUEST");
  });

  it("deletes a package only after its name is typed, with its files", async () => {
    const owner = await createUser(db);
    await createPublishedPackage(db, owner, "doomed");
    const caller = callerFor(owner.actor);
    const failure = await failureOf(caller.packages.deletePackage({ owner: owner.username, name: "doomed", confirmation: "Doomed" }));
    expect(failure.fieldErrors?.confirmation).toContain("doomed");
    await caller.packages.deletePackage({ owner: owner.username, name: "doomed", confirmation: "doomed" });
    expect(await db.select().from(packageFiles)).toEqual([]);
    expect((await recordedAuditEvents(db, { action: "package.deleted" })).length).toBe(1);
  });

  it("stars and unstars, listing favorites", async () => {
    const owner = await createUser(db);
    const fan = await createUser(db);
    await createPublishedPackage(db, owner, "starry");
    const caller = callerFor(fan.actor);
    await caller.packages.star({ owner: owner.username, name: "starry" });
    await caller.packages.star({ owner: owner.username, name: "starry" });
    expect((await caller.packages.favorites({})).items.map((item) => [item.name, item.stars])).toEqual([["starry", 1]]);
    expect((await caller.packages.get({ owner: owner.username, name: "starry" })).starredByMe).toBe(true);
    await caller.packages.unstar({ owner: owner.username, name: "starry" });
    expect((await caller.packages.favorites({})).total).toBe(0);
  });

  it("normalizes names the PEP 503 way", () => {
    expect(normalizePackageName("My_Package.Name")).toBe("my-package-name");
    expect(normalizePackageName("a--b__c")).toBe("a-b-c");
  });
});
