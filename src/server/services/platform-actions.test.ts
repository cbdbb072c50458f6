/**
 * Admin → Actions: read-only mode refuses every kind of write (tRPC mutations, and real HTTP uploads through the
 * protocol handler: twine's legacy API, the upload API, the web page's upload, the twine client itself) while
 * downloads and indexes go on; restarting the platform makes every server reload what it remembers without a
 * dropped request; deleting all public objects runs as a job, only while read-only, and releases the files.
 */
import fs from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deletePublicObjectsPhrase } from "@/shared/schemas/platform-actions";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { anonymous, createSession, createSiteAdmin, createTestOrganization, createUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import { drainJobs } from "@/test/jobs";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { listProcedures, type ProcedureEntry } from "@/test/procedures";
import { requireTools } from "@/test/tools";
import { appRouter } from "../api/root";
import { readOnlyRefusedPermissions, type Permission } from "../authz";
import { jobRuns, packageFiles, packages, platformServerReloads, siteSettings } from "../db/schema";
import {
  basicAuthorization,
  call,
  condaStyleUpload,
  run,
  sessionCookie,
  startTestServer,
  temporaryDirectory,
  twineStyleUpload,
  type TestServer,
} from "../protocols/test-support";
import { ChangeListener } from "./change-listener";
import { deletePublicObjectsJob } from "../jobs/definitions/delete-public-objects";
import { SiteModeCache, readOnlySettingKey } from "./site-mode";

const db = setUpTestDatabase();
requireTools("cph", "pythonBuild", "twine");

let fixtures: { directory: string; conda: string; privateConda: string; wheel: string; secondWheel: string };

beforeAll(() => {
  const directory = temporaryDirectory("platform-actions");
  fixtures = {
    directory,
    conda: buildCondaPackage({ name: "public-lib", version: "1.0" }, directory),
    privateConda: buildCondaPackage({ name: "secret-lib", version: "1.0" }, directory),
    wheel: buildPythonDistributions({ name: "read-only-demo", version: "1.0" }, directory).wheel,
    secondWheel: buildPythonDistributions({ name: "read-only-demo", version: "1.1" }, directory).wheel,
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let admin: TestUser;
let alice: TestUser;

beforeEach(async () => {
  server = await startTestServer(db);
  admin = await createSiteAdmin(db, { username: "root" });
  alice = await createUser(db, { username: "alice" });
});

afterEach(async () => {
  await server.close();
});

const aliceBasic = () => ({ Authorization: basicAuthorization("alice", alice.password) });

async function readOnly(on: boolean) {
  await callerFor(admin.actor).platformActions.setReadOnly({ readOnly: on });
}

/** Mutations read-only mode lets through, each for its reason; every other mutation must be refused. */
const allowedWhileReadOnly: Permission[] = [
  // Signing in and out, recovering and securing an account.
  "session:create",
  "session:delete",
  "account:recover",
  "account:update",
  "token:revoke",
  "notification:update",
  // Site administration: turning read-only off, and maintenance; an administrator's own daily report e-mail.
  "admin:users:read",
  "admin:platform:update",
  "admin:settings:update",
  "admin:users:update",
  "admin:plans:update",
  "admin:exceptions:update",
  "admin:jobs:update",
  // Installing and changing applications is site maintenance, as restarting workers is.
  "admin:applications:update",
];

const permissionOf = (procedure: ProcedureEntry) => (procedure.meta as { permission: Permission }).permission;

describe("read-only mode", () => {
  it("decides every mutation: refused, or allowed for a stated reason", () => {
    const undecided = listProcedures(appRouter)
      .filter((procedure) => procedure.type === "mutation")
      .map((procedure) => ({ path: procedure.path, permission: permissionOf(procedure) }))
      .filter(({ permission }) => !readOnlyRefusedPermissions.has(permission) && !allowedWhileReadOnly.includes(permission));
    expect(undecided).toEqual([]);
  });

  it("refuses every mutation it lists with SERVICE_UNAVAILABLE and says why, before reading any input", async () => {
    await readOnly(true);
    const refused = listProcedures(appRouter).filter((procedure) => procedure.type === "mutation" && readOnlyRefusedPermissions.has(permissionOf(procedure)));
    expect(refused.map((procedure) => procedure.path)).toEqual(
      expect.arrayContaining(["account.signUp", "tokens.create", "packages.setPrivacy", "packages.deletePackage", "organizations.create", "organizations.addMember"]),
    );
    for (const procedure of refused) {
      let node: unknown = callerFor(procedure.path === "account.signUp" ? anonymous() : admin.actor);
      for (const segment of procedure.path.split(".")) node = (node as Record<string, unknown>)[segment];
      const failure = await failureOf((node as (input: unknown) => Promise<unknown>)({}));
      expect({ path: procedure.path, code: failure.code }).toEqual({ path: procedure.path, code: "SERVICE_UNAVAILABLE" });
      expect(failure.message).toMatch(/read-only mode/);
    }
  });

  it("refuses real changes and changes nothing: sign-up, a token, an organization, a package's privacy", async () => {
    const organizationOwner = await createUser(db, { username: "olga" });
    await createTestOrganization(db, organizationOwner, "labs");
    const upload = await condaStyleUpload(server, "alice", fixtures.conda, aliceBasic());
    expect(upload.status).toBe(201);
    await readOnly(true);

    const signUp = await failureOf(
      callerFor(anonymous()).account.signUp({ username: "newbie", email: "newbie@example.test", password: "a fresh password", passwordConfirmation: "a fresh password", acceptTerms: true }),
    );
    const token = await failureOf(callerFor(alice.actor).tokens.create({ name: "ci", scopes: ["conda:download"] }));
    const organization = await failureOf(callerFor(alice.actor).organizations.create({ name: "neworg", email: "neworg@example.test" }));
    const member = await failureOf(callerFor(organizationOwner.actor).organizations.addMember({ organization: "labs", username: "alice" }));
    const privacy = await failureOf(callerFor(alice.actor).packages.setPrivacy({ owner: "alice", name: "public-lib", isPrivate: true }));
    expect([signUp, token, organization, member, privacy].map((failure) => failure.code)).toEqual(Array(5).fill("SERVICE_UNAVAILABLE"));

    const [pkg] = await db.select().from(packages).where(eq(packages.name, "public-lib"));
    expect(pkg?.isPrivate).toBe(false);
    const counts = await db.execute<{ users: number; tokens: number; members: number }>(sql`
      select (select count(*)::int from users where username = 'newbie') as users, (select count(*)::int from access_tokens) as tokens,
        (select count(*)::int from users where username = 'neworg') as members`);
    expect(counts[0]).toEqual({ users: 0, tokens: 0, members: 0 });
  });

  it("lets people sign in and out while read-only", async () => {
    await readOnly(true);
    const signedIn = await callerFor(anonymous()).account.signIn({ login: "alice", password: alice.password });
    expect(signedIn).toBeDefined();
    await expect(callerFor(alice.actor).account.signOut()).resolves.toBeDefined();
  });

  it("refuses uploads over HTTP with a 503 that says why, before reading the body, while downloads and indexes go on", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.conda, aliceBasic())).status).toBe(201);
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceBasic())).status).toBe(200);
    await readOnly(true);

    const twine = await twineStyleUpload(server, "alice", fixtures.secondWheel, aliceBasic());
    expect(twine.status).toBe(503);
    expect(twine.text).toMatch(/read-only mode/);
    expect(twine.statusMessage).toMatch(/read-only mode/);

    const condaApi = await condaStyleUpload(server, "alice", fixtures.privateConda, aliceBasic());
    expect(condaApi.status).toBe(503);
    expect(JSON.parse(condaApi.text).error).toMatch(/read-only mode/);

    // The web page's upload: the session cookie with the app's header.
    const cookie = await sessionCookie(await createSession(db, alice));
    const fromThePage = await call(server, `/api/channels/alice/upload/${path.basename(fixtures.privateConda)}`, {
      method: "POST",
      headers: { Cookie: cookie, "X-Requested-With": "granary", "Content-Type": "application/octet-stream" },
      body: fs.readFileSync(fixtures.privateConda),
    });
    expect(fromThePage.status).toBe(503);
    expect(JSON.parse(fromThePage.text).error).toMatch(/read-only mode/);

    const files = await db.select({ filename: packageFiles.filename }).from(packageFiles);
    expect(files.map((file) => file.filename).sort()).toEqual([path.basename(fixtures.conda), path.basename(fixtures.wheel)].sort());

    expect((await call(server, "/alice/noarch/repodata.json")).status).toBe(200);
    expect((await call(server, `/alice/noarch/${path.basename(fixtures.conda)}`)).status).toBe(200);
    const simple = await call(server, "/alice/simple/read-only-demo/");
    expect(simple.status).toBe(200);
    const wheelLink = /href="([^"#]+)/.exec(simple.text)?.[1];
    expect(wheelLink).toBeDefined();
    expect((await call(server, new URL(wheelLink!, "http://localhost/alice/simple/read-only-demo/").pathname)).status).toBe(200);
  });

  it("refuses the real twine with the reason, and takes its upload again once the administrator turns it off", async () => {
    await readOnly(true);
    const home = temporaryDirectory("twine-home");
    const twine = () =>
      run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", `http://127.0.0.1:${server.port}/alice/pypi/legacy/`, "-u", "alice", "-p", alice.password, fixtures.wheel], {
        env: { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8", PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring" },
      });
    const refused = await twine();
    expect(refused.code).not.toBe(0);
    // A status on its own: the test server's port may hold the digits too.
    expect(refused.stdout + refused.stderr).toMatch(/\b503\b/);
    expect(refused.stdout + refused.stderr).toMatch(/read-only mode/);

    await readOnly(false);
    const accepted = await twine();
    expect(accepted.stdout + accepted.stderr).not.toMatch(/\b503\b/);
    expect(accepted.code).toBe(0);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("is audited, and reaches another server at once through its notification", async () => {
    // Another app server: its own listener and memory of the mode, which has read "not read-only" already.
    const otherListener = new ChangeListener(testDatabaseUrl(), { log: () => {} });
    const otherServer = new SiteModeCache(otherListener);
    otherServer.start();
    await otherListener.start();
    try {
      expect((await otherServer.get(db)).readOnly).toBe(false);
      await readOnly(true);
      await otherListener.settle();
      expect((await otherServer.get(db)).readOnly).toBe(true);
      await readOnly(false);
      await otherListener.settle();
      expect((await otherServer.get(db)).readOnly).toBe(false);
    } finally {
      otherServer.close();
      await otherListener.close();
    }
    const events = await recordedAuditEvents(db);
    expect(events.map((event) => event.action)).toEqual(expect.arrayContaining(["admin.read_only_enabled", "admin.read_only_disabled"]));
    expect(events.find((event) => event.action === "admin.read_only_enabled")?.actorUserId).toBe(admin.id);
  });

  it("is only for site administrators", async () => {
    expect((await failureOf(callerFor(alice.actor).platformActions.setReadOnly({ readOnly: true }))).code).toBe("FORBIDDEN");
    expect((await callerFor(anonymous()).platformActions.mode()).readOnly).toBe(false);
  });
});

describe("restarting the platform", () => {
  it("makes every server reload a setting changed directly in the database, answering requests all along", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.conda, aliceBasic())).status).toBe(201);
    // The server remembers the mode once it has read it.
    expect((await server.siteMode.get(db)).readOnly).toBe(false);
    // Changed behind the service's back (psql, a restore): no notification, so the server still remembers the old value.
    await db.insert(siteSettings).values({ key: readOnlySettingKey, value: true });
    expect((await server.siteMode.get(db)).readOnly).toBe(false);

    // Package clients keep downloading while the restart happens.
    let keepGoing = true;
    const statuses: number[] = [];
    const traffic = (async () => {
      while (keepGoing || statuses.length < 20) {
        statuses.push((await call(server, "/alice/noarch/repodata.json")).status);
      }
    })();

    const { restartId } = await callerFor(admin.actor).platformActions.restart();
    await server.changes.settle();
    await server.reloader.idle();
    keepGoing = false;
    await traffic;

    expect(statuses.length).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect((await server.siteMode.get(db)).readOnly).toBe(true);
    expect((await condaStyleUpload(server, "alice", fixtures.privateConda, aliceBasic())).status).toBe(503);

    const reloads = await db.select().from(platformServerReloads).where(eq(platformServerReloads.restartId, restartId));
    expect(reloads.map((reload) => reload.serverLabel)).toEqual([server.reloader.serverLabel]);
    const status = await callerFor(admin.actor).platformActions.status();
    expect(status.restart).toMatchObject({ id: restartId, requestedBy: "root", servers: [{ serverLabel: server.reloader.serverLabel }] });
    expect((await recordedAuditEvents(db)).map((event) => event.action)).toContain("admin.platform_restarted");
  });

  it("is only for site administrators", async () => {
    expect((await failureOf(callerFor(alice.actor).platformActions.restart())).code).toBe("FORBIDDEN");
  });
});

describe("deleting all public objects", () => {
  async function publishBoth() {
    expect((await condaStyleUpload(server, "alice", fixtures.conda, aliceBasic())).status).toBe(201);
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceBasic())).status).toBe(200);
    expect((await condaStyleUpload(server, "alice", fixtures.privateConda, aliceBasic(), { private: true })).status).toBe(201);
  }

  it("refuses a wrong confirmation and queues nothing", async () => {
    await publishBoth();
    await readOnly(true);
    const failure = await failureOf(callerFor(admin.actor).platformActions.deletePublicObjects({ confirmation: "delete everything" }));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.fieldErrors?.confirmation).toMatch(/delete all public objects/);
    expect(await db.select().from(jobRuns).where(eq(jobRuns.jobName, deletePublicObjectsJob.id))).toEqual([]);
  });

  it("refuses while the site is not read-only, saying so", async () => {
    await publishBoth();
    const failure = await failureOf(callerFor(admin.actor).platformActions.deletePublicObjects({ confirmation: deletePublicObjectsPhrase }));
    expect(failure.code).toBe("PRECONDITION_FAILED");
    expect(failure.message).toMatch(/read-only mode first/);
    expect(await db.select().from(jobRuns).where(eq(jobRuns.jobName, deletePublicObjectsJob.id))).toEqual([]);
    expect((await failureOf(callerFor(alice.actor).platformActions.deletePublicObjects({ confirmation: deletePublicObjectsPhrase }))).code).toBe("FORBIDDEN");
  });

  it("deletes every public package and frees its files as a job with progress, leaving private packages, audited with counts", async () => {
    await publishBoth();
    const publicFiles = await db
      .select({ sha256: packageFiles.sha256 })
      .from(packageFiles)
      .innerJoin(packages, eq(packages.id, packageFiles.packageId))
      .where(eq(packages.isPrivate, false));
    const [privateFile] = await db
      .select({ sha256: packageFiles.sha256 })
      .from(packageFiles)
      .innerJoin(packages, eq(packages.id, packageFiles.packageId))
      .where(eq(packages.isPrivate, true));
    expect(publicFiles).toHaveLength(2);
    for (const file of [...publicFiles, privateFile!]) expect(fs.existsSync(server.store.blobPath(file.sha256))).toBe(true);

    await readOnly(true);
    const started = await callerFor(admin.actor).platformActions.deletePublicObjects({ confirmation: "  Delete all public objects " });
    expect(started.packages).toBe(2);
    const again = await failureOf(callerFor(admin.actor).platformActions.deletePublicObjects({ confirmation: deletePublicObjectsPhrase }));
    expect(again.code).toBe("CONFLICT");

    await drainJobs({ blobs: server.store });

    const [runRow] = await db.select().from(jobRuns).where(eq(jobRuns.id, started.runId));
    expect(runRow).toMatchObject({ status: "succeeded", progress: 100, result: { packages: 2, files: 2 } });
    const remaining = await db.select({ name: packages.name, isPrivate: packages.isPrivate }).from(packages);
    expect(remaining).toEqual([{ name: "secret-lib", isPrivate: true }]);
    for (const file of publicFiles) expect(fs.existsSync(server.store.blobPath(file.sha256))).toBe(false);
    expect(fs.existsSync(server.store.blobPath(privateFile!.sha256))).toBe(true);

    const status = await callerFor(admin.actor).platformActions.status();
    expect(status.deletion).toMatchObject({ runId: started.runId, status: "succeeded", progress: 100 });
    expect(status.publicPackages).toBe(0);

    const events = await recordedAuditEvents(db);
    expect(events.find((event) => event.action === "admin.public_objects_deletion_started")?.details).toMatchObject({ publicPackages: 2 });
    expect(events.find((event) => event.action === "admin.public_objects_deletion_finished")?.details).toMatchObject({ packages: 2, files: 2 });
    expect(events.filter((event) => event.action === "package.deleted")).toHaveLength(2);
  });

  it("stops, keeping what is left, when read-only mode is turned off before the job runs", async () => {
    await publishBoth();
    await readOnly(true);
    const started = await callerFor(admin.actor).platformActions.deletePublicObjects({ confirmation: deletePublicObjectsPhrase });
    await readOnly(false);
    await drainJobs({ blobs: server.store });
    // Stopped for good, not failed: a retry would go on deleting if the site became read-only again.
    const [runRow] = await db.select().from(jobRuns).where(eq(jobRuns.id, started.runId));
    expect(runRow).toMatchObject({ status: "succeeded", result: { packages: 0, files: 0, stoppedBecause: expect.stringMatching(/Read-only mode was turned off/) } });
    expect(await db.select({ name: packages.name }).from(packages)).toHaveLength(3);
    const finished = (await recordedAuditEvents(db)).find((event) => event.action === "admin.public_objects_deletion_finished");
    expect(finished?.details).toMatchObject({ packages: 0, stopped: expect.stringMatching(/turned off/) });
  });
});
