/**
 * Transfer of applications between two running Granary instances in one process: the source on the worker's test
 * database, the target on a second database cloned from the same template, each behind its own protocol server on
 * its own port. The application is built, published and installed on the source for real; the target lists it with
 * a transfer token, copies its files (same sha256) through the publishing service, and installs it with real pip
 * from its own index. Wrong, expired, mis-purposed and reused tokens and an unreachable source install nothing.
 */
import fs from "node:fs";
import path from "node:path";
import { asc, eq } from "drizzle-orm";
import { decodeJwt, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { env } from "@/env";
import { buildApplicationWheel, commitApplicationProject, demoApplication, demoHelper } from "@/test/applications";
import { callerFor, failureOf } from "@/test/caller";
import { createSecondTestDatabase, setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import { drainJobs } from "@/test/jobs";
import { requireTools } from "@/test/tools";
import type { Db } from "../db";
import { applications, applicationTasks, packageFiles, packages, users } from "../db/schema";
import { basicAuthorization, run, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer } from "../protocols/test-support";
import { issueTransferToken, transferApplications, transferPurpose, transferTokenKey } from "./application-transfer";
import { runApplicationInstall } from "./applications";

requireTools("pythonBuild", "pip", "venv", "git");
const db = setUpTestDatabase();

let fixtures: { directory: string; helper: string; app: string };

beforeAll(() => {
  const directory = temporaryDirectory("transfer");
  fixtures = { directory, helper: buildApplicationWheel(demoHelper("1.0"), directory), app: buildApplicationWheel(demoApplication("1.0"), directory) };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let source: TestServer;
let target: TestServer;
let targetDatabase: Awaited<ReturnType<typeof createSecondTestDatabase>>;
let targetDb: Db;
let sourceAdmin: TestUser;
let alice: TestUser;
let targetAdmin: TestUser;
let dataDirectory: string;
const saved = { PUBLIC_URL: env.PUBLIC_URL, DATA_DIR: env.DATA_DIR };

beforeEach(async () => {
  source = await startTestServer(db);
  targetDatabase = await createSecondTestDatabase("transfer_target");
  targetDb = targetDatabase.db;
  target = await startTestServer(targetDb, { databaseUrl: targetDatabase.url });
  dataDirectory = temporaryDirectory("transfer-data");
  // The source's address is this process's PUBLIC_URL: its tokens name it as issuer, and its install reads its index.
  Object.assign(env, { PUBLIC_URL: source.url, DATA_DIR: dataDirectory });
  sourceAdmin = await createSiteAdmin(db, { username: "root" });
  alice = await createUser(db, { username: "alice" });
  targetAdmin = await createSiteAdmin(targetDb, { username: "boss" });
});

afterEach(async () => {
  Object.assign(env, saved);
  await source.close();
  await target.close();
  await targetDatabase.drop();
  fs.rmSync(dataDirectory, { recursive: true, force: true });
});

const sourceApi = () => callerFor(sourceAdmin.actor).applications;
const targetApi = () => callerFor(targetAdmin.actor, { db: targetDb }).applications;

async function installDemoOnSource() {
  for (const file of [fixtures.helper, fixtures.app]) {
    const upload = await twineStyleUpload(source, "alice", file, { Authorization: basicAuthorization("alice", alice.password) });
    expect(upload.status, upload.text).toBe(200);
  }
  const created = await sourceApi().create({ name: "Demo app", sourceKind: "package", owner: "alice", packageName: "granary-demo-app", packageVersion: "1.0", active: true });
  await drainJobs({ db });
  expect((await sourceApi().get({ id: created.id })).application).toMatchObject({ state: "installed", installedVersion: "1.0" });
  return created;
}

async function pythonFiles(database: Db) {
  return database
    .select({ owner: users.username, filename: packageFiles.filename, sha256: packageFiles.sha256 })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .innerJoin(users, eq(users.id, packages.ownerId))
    .orderBy(asc(packageFiles.filename));
}

async function listingStatus(token: string) {
  const response = await fetch(`${source.url}/api/transfer/applications`, { headers: { Authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { error?: string; applications?: unknown[] } };
}

describe("transferring applications to another Granary", () => {
  it("lists the source's applications with a transfer token, copies the package's files with the same sha256, installs it on the target, and refuses the token again", async () => {
    await installDemoOnSource();
    // A Git source is listed with its commit and created on the target from the same one.
    const repository = path.join(fixtures.directory, `repository-${Date.now()}`);
    const commit = commitApplicationProject(demoApplication("1.1"), repository, "main");
    await sourceApi().create({ name: "From Git", sourceKind: "git", owner: "alice", gitUrl: `file://${repository}`, gitBranch: "main", gitCommit: commit, active: false });

    const issued = await sourceApi().transferToken();
    const claims = decodeJwt(issued.token);
    expect(claims).toMatchObject({ purpose: transferPurpose, iss: source.url, sub: sourceAdmin.id, jti: issued.tokenId });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(await recordedAuditEvents(db, { action: "admin.application_transfer_token_issued" })).toHaveLength(1);
    expect(JSON.stringify(await recordedAuditEvents(db))).not.toContain(issued.token);

    const preview = await targetApi().transferPreview({ sourceUrl: source.url, token: issued.token });
    expect(preview).toEqual([
      { name: "Demo app", sourceKind: "package", active: true, source: "alice/granary-demo-app 1.0", version: "1.0", installedVersion: "1.0", files: 2, targetOwner: "boss", clash: false },
      {
        name: "From Git",
        sourceKind: "git",
        active: false,
        source: `file://${repository} main @ ${commit.slice(0, 12)}`,
        version: commit,
        installedVersion: null,
        files: 0,
        targetOwner: "boss",
        clash: false,
      },
    ]);

    const transferred = await transferApplications(targetDb, targetAdmin.actor, { sourceUrl: source.url, token: issued.token, names: ["Demo app", "From Git"] }, target.store, 50 * 1024 * 1024);
    expect(transferred.map(({ name, owner, copiedFiles, filesAlreadyHere }) => ({ name, owner, copiedFiles, filesAlreadyHere }))).toEqual([
      { name: "Demo app", owner: "boss", copiedFiles: 2, filesAlreadyHere: 0 },
      { name: "From Git", owner: "boss", copiedFiles: 0, filesAlreadyHere: 0 },
    ]);
    // The same files, byte for byte, now under the importing admin (no alice on the target).
    const sourceFiles = await pythonFiles(db);
    const targetFiles = await pythonFiles(targetDb);
    expect(targetFiles.map(({ filename, sha256 }) => ({ filename, sha256 }))).toEqual(sourceFiles.map(({ filename, sha256 }) => ({ filename, sha256 })));
    expect(targetFiles.every((file) => file.owner === "boss")).toBe(true);
    for (const file of targetFiles) expect(fs.existsSync(target.store.blobPath(file.sha256))).toBe(true);

    const [gitCopy] = await targetDb.select().from(applications).where(eq(applications.name, "From Git"));
    expect(gitCopy).toMatchObject({ sourceKind: "git", gitUrl: `file://${repository}`, gitBranch: "main", gitCommit: commit, active: false, indexOwner: "boss" });

    // The install job's body on the target: real pip from the target's own index.
    const demo = transferred[0]!;
    const outcome = await runApplicationInstall(targetDb, demo.installId, { indexBaseUrl: target.url, progress: () => {}, log: () => {} });
    expect(outcome).toMatchObject({ status: "succeeded", tasks: 2, importErrors: 1 });
    const [installed] = await targetDb.select().from(applications).where(eq(applications.id, demo.id));
    expect(installed).toMatchObject({ state: "installed", installedVersion: "1.0", indexOwner: "boss", packageName: "granary-demo-app", active: true });
    const tasks = await targetDb.select({ name: applicationTasks.name }).from(applicationTasks).where(eq(applicationTasks.applicationId, demo.id)).orderBy(asc(applicationTasks.name));
    expect(tasks.map((task) => task.name)).toEqual(["count", "greet"]);
    const ran = await run(path.join(installed!.environmentPath!, "bin", "python"), ["-I", "-c", "from granary_demo_app.greet import greet; print(greet({'name': 'Ada'})['greeting'])"]);
    expect(ran.stdout.trim(), ran.stderr).toBe("Hello, Ada!");

    // Audit events on both sides.
    expect((await recordedAuditEvents(db)).map((event) => event.action)).toEqual(
      expect.arrayContaining(["admin.application_transfer_token_issued", "admin.application_transfer_started", "admin.application_transfer_finished"]),
    );
    const [targetEvent] = await recordedAuditEvents(targetDb, { action: "admin.applications_transferred" });
    expect(targetEvent?.details).toMatchObject({ source: source.url, applications: [{ name: "Demo app", copiedFiles: 2 }, { name: "From Git", copiedFiles: 0 }] });

    // The token served its transfer: a second one with it is refused, with nothing served.
    const reused = await listingStatus(issued.token);
    expect(reused.status).toBe(401);
    expect(reused.body.error).toContain("used for a transfer already");
    expect(reused.body.applications).toBeUndefined();
    const again = await failureOf(targetApi().transferPreview({ sourceUrl: source.url, token: issued.token }));
    expect(again.fieldErrors?.token).toContain("used for a transfer already");

    // A name that exists on the target already: a clear message, nothing more copied or created.
    const second = await sourceApi().transferToken();
    expect((await targetApi().transferPreview({ sourceUrl: source.url, token: second.token })).map((row) => [row.name, row.clash])).toEqual([
      ["Demo app", true],
      ["From Git", true],
    ]);
    const clash = await failureOf(targetApi().transfer({ sourceUrl: source.url, token: second.token, names: ["Demo app"] }));
    expect(clash.code).toBe("CONFLICT");
    expect(clash.fieldErrors?.names).toContain("An application named Demo app exists here already");
    expect(await targetDb.select().from(applications)).toHaveLength(2);
  }, 300_000);

  it("refuses a wrong, expired, mis-purposed or foreign token and an unreachable source with a clear message, installing nothing", async () => {
    await installDemoOnSource();
    const claims = { purpose: transferPurpose };
    const sign = (payload: Record<string, unknown>, key: Uint8Array, issuer = source.url) =>
      new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).setIssuer(issuer).setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime("1h").sign(key);

    const wrongKey = await sign(claims, new TextEncoder().encode("a key this Granary never had, long enough for HS256"));
    const expired = (await issueTransferToken(db, sourceAdmin.actor, { now: () => new Date(Date.now() - 2 * 60 * 60 * 1000) })).token;
    const wrongPurpose = await sign({ purpose: "something else" }, transferTokenKey());
    const otherIssuer = await sign(claims, transferTokenKey(), "https://elsewhere.example");
    const cases: Array<[string, string]> = [
      [wrongKey, "not signed by this Granary"],
      [expired, "expired"],
      [wrongPurpose, "not for transferring applications"],
      [otherIssuer, "issued by another Granary"],
    ];
    for (const [token, message] of cases) {
      const listing = await listingStatus(token);
      expect(listing.status).toBe(401);
      expect(listing.body.error).toContain(message);
      expect(listing.body.applications).toBeUndefined();
      const preview = await failureOf(targetApi().transferPreview({ sourceUrl: source.url, token }));
      expect(preview.fieldErrors?.token).toContain(message);
      const transfer = await failureOf(targetApi().transfer({ sourceUrl: source.url, token, names: ["Demo app"] }));
      expect(transfer.fieldErrors?.token).toContain(message);
    }
    // A token whose administrator is no longer a site administrator reads nothing.
    const demoted = await createSiteAdmin(db, { username: "former" });
    const ofDemoted = (await issueTransferToken(db, demoted.actor)).token;
    await db.update(users).set({ isSiteAdmin: false }).where(eq(users.id, demoted.id));
    const refusedDemoted = await listingStatus(ofDemoted);
    expect(refusedDemoted.status).toBe(401);
    expect(refusedDemoted.body.error).toContain("no longer an active site administrator");
    // No token at all, or an access token in its place.
    expect((await fetch(`${source.url}/api/transfer/applications`)).status).toBe(401);
    const [file] = await db.select({ id: packageFiles.id }).from(packageFiles).limit(1);
    expect((await fetch(`${source.url}/api/transfer/files/${file!.id}`, { headers: { Authorization: `Bearer ${wrongKey}` } })).status).toBe(401);

    const good = (await sourceApi().transferToken()).token;
    const unreachable = await failureOf(targetApi().transfer({ sourceUrl: "http://127.0.0.1:1", token: good, names: ["Demo app"] }));
    expect(unreachable.code).toBe("BAD_REQUEST");
    expect(unreachable.fieldErrors?.sourceUrl).toContain("Could not reach http://127.0.0.1:1");
    const notGranary = await failureOf(targetApi().transferPreview({ sourceUrl: `${target.url}/nowhere`, token: good }));
    expect(notGranary.fieldErrors?.sourceUrl).toBeDefined();
    const unknown = await failureOf(targetApi().transfer({ sourceUrl: source.url, token: good, names: ["No such app"] }));
    expect(unknown.fieldErrors?.names).toContain("no application named");

    expect(await targetDb.select().from(applications)).toEqual([]);
    expect(await targetDb.select().from(packageFiles)).toEqual([]);
  }, 300_000);
});
