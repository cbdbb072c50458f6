/**
 * Applications, installed for real: wheels built in the test (two tasks with schemas, one module that fails to import,
 * a dependency that is itself published on the instance) are published to the protocol server, and the install job
 * fills a fresh `python3 -m venv` with real pip from the instance's own index, with a token it makes and revokes.
 * Then the import errors, the tasks and the Python packages are read back, an update to a version whose tasks all
 * fail leaves the running one in place, a Git source installs one exact commit, and delete removes the environments.
 */
import fs from "node:fs";
import path from "node:path";
import { and, eq, like } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { env } from "@/env";
import { buildApplicationWheel, commitApplicationProject, demoApplication, demoHelper } from "@/test/applications";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import { drainJobs } from "@/test/jobs";
import { requireTools } from "@/test/tools";
import { accessTokens, applicationInstalls, applications, jobRuns, systemLogs } from "../db/schema";
import { basicAuthorization, run, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer } from "../protocols/test-support";

requireTools("pythonBuild", "pip", "venv", "git");
const db = setUpTestDatabase();

let fixtures: { directory: string; helper: string; app: string; brokenApp: string };

beforeAll(() => {
  const directory = temporaryDirectory("applications");
  fixtures = {
    directory,
    helper: buildApplicationWheel(demoHelper("1.0"), directory),
    app: buildApplicationWheel(demoApplication("1.0"), directory),
    brokenApp: buildApplicationWheel(demoApplication("2.0", { broken: true }), directory),
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let admin: TestUser;
let alice: TestUser;
let dataDirectory: string;
const saved = { PUBLIC_URL: env.PUBLIC_URL, DATA_DIR: env.DATA_DIR };

beforeEach(async () => {
  server = await startTestServer(db);
  dataDirectory = temporaryDirectory("applications-data");
  // The job installs from this instance's index at PUBLIC_URL, into DATA_DIR.
  Object.assign(env, { PUBLIC_URL: server.url, DATA_DIR: dataDirectory });
  admin = await createSiteAdmin(db, { username: "root" });
  alice = await createUser(db, { username: "alice" });
});

afterEach(async () => {
  Object.assign(env, saved);
  await server.close();
  fs.rmSync(dataDirectory, { recursive: true, force: true });
});

async function publish(...files: string[]) {
  for (const file of files) {
    const upload = await twineStyleUpload(server, "alice", file, { Authorization: basicAuthorization("alice", alice.password) });
    expect(upload.status, upload.text).toBe(200);
  }
}

const api = () => callerFor(admin.actor).applications;

async function installTokens() {
  return db.select().from(accessTokens).where(like(accessTokens.name, "application install %"));
}

describe("installing an application from a package on this Granary", () => {
  it("installs it with real pip from the instance's index, records its tasks, import errors and packages, keeps it through a broken update, and deletes it", async () => {
    await publish(fixtures.helper, fixtures.app, fixtures.brokenApp);
    expect(await api().installablePackages()).toEqual([
      { owner: "alice", name: "granary-demo-app", versions: ["2.0", "1.0"] },
      { owner: "alice", name: "granary-demo-helper", versions: ["1.0"] },
    ]);
    expect(await api().packageVersions({ owner: "alice", packageName: "Granary_Demo_App" })).toEqual(["2.0", "1.0"]);
    const created = await api().create({ name: "Demo app", sourceKind: "package", owner: "alice", packageName: "granary-demo-app", packageVersion: "1.0", active: true });
    const [queued] = await db.select().from(jobRuns).where(eq(jobRuns.id, created.runId));
    expect(queued).toMatchObject({ jobName: "install-application", priority: "high", status: "queued" });

    await drainJobs({ db });

    const [run1] = await db.select().from(jobRuns).where(eq(jobRuns.id, created.runId));
    expect(run1, run1?.error ?? "").toMatchObject({ status: "succeeded", progress: 100 });
    const page = await api().get({ id: created.id });
    expect(page.application).toMatchObject({ state: "installed", installedVersion: "1.0", active: true, currentInstallId: created.installId });
    const environment = page.application.environmentPath!;
    expect(environment.startsWith(path.resolve(dataDirectory, "applications", created.id))).toBe(true);
    expect(fs.existsSync(path.join(environment, "bin", "python"))).toBe(true);
    expect(page.tasks).toEqual([
      {
        name: "count",
        entryPoint: "granary_demo_app.count:count",
        description: "Counts the words of a text.",
        inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      },
      {
        name: "greet",
        entryPoint: "granary_demo_app.greet:greet",
        description: "Greets someone by name",
        inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
      },
    ]);
    // pip really installed the dependency from the instance: the task runs in the new environment.
    const ran = await run(path.join(environment, "bin", "python"), ["-I", "-c", "from granary_demo_app.greet import greet; print(greet({'name': 'Ada'})['greeting'])"]);
    expect(ran.stdout.trim(), ran.stderr).toBe("Hello, Ada!");
    const install = page.installs[0]!;
    expect(install).toMatchObject({ status: "succeeded", taskCount: 2, importErrorCount: 1 });
    expect(install.output).toContain("Successfully installed granary-demo-app-1.0 granary-demo-helper-1.0");

    const errors = await api().importErrors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ application: "Demo app", task: "broken", module: "granary_demo_app.broken", errorType: "ModuleNotFoundError", running: true, version: "1.0" });
    expect(errors[0]!.message).toContain("granary_module_that_does_not_exist");
    expect(errors[0]!.traceback).toContain("Traceback (most recent call last)");

    const distributions = await api().pythonPackages({});
    const names = distributions.map((distribution) => `${distribution.name} ${distribution.version}`);
    expect(names).toEqual(expect.arrayContaining(["granary-demo-app 1.0", "granary-demo-helper 1.0", expect.stringMatching(/^pip /)]));
    expect(distributions.every((distribution) => distribution.application === "Demo app" && distribution.path.startsWith(environment))).toBe(true);
    expect((await api().pythonPackages({ search: "HELPER" })).map((distribution) => distribution.name)).toEqual(["granary-demo-helper"]);

    // The install's own token: PyPI downloads from alice's index only, for an hour at most, revoked once done, never in the output.
    const [token] = await installTokens();
    expect(token).toMatchObject({ userId: admin.id, scopes: ["pypi:download"], channelOwnerId: alice.id });
    expect(token!.revokedAt).not.toBeNull();
    expect(token!.expiresAt.getTime() - token!.createdAt.getTime()).toBeLessThanOrEqual(60 * 60 * 1000);
    expect(install.output).not.toMatch(/granary-[A-Za-z0-9]{43}/);
    const [logged] = await db.select().from(systemLogs).where(eq(systemLogs.category, "package_installs"));
    expect(logged?.message).toContain("Installed the application Demo app");

    // An update to a version none of whose tasks import: recorded, and the running version stays.
    const update = await api().update({ id: created.id, packageVersion: "2.0", active: true });
    expect(update.install).not.toBeNull();
    await drainJobs({ db });
    const after = await api().get({ id: created.id });
    expect(after.application).toMatchObject({ state: "installed", installedVersion: "1.0", packageVersion: "2.0", environmentPath: environment, currentInstallId: created.installId });
    expect(fs.existsSync(path.join(environment, "bin", "python"))).toBe(true);
    const failed = after.installs[0]!;
    expect(failed).toMatchObject({ status: "failed", version: "2.0", taskCount: 0, importErrorCount: 2 });
    expect(failed.error).toContain("No task imports");
    const [failedRow] = await db.select().from(applicationInstalls).where(eq(applicationInstalls.id, update.install!.installId));
    expect(fs.existsSync(failedRow!.environmentPath)).toBe(false);
    expect(after.tasks.map((task) => task.name)).toEqual(["count", "greet"]);
    const errorsAfter = await api().importErrors();
    expect(errorsAfter.map((error) => `${error.task} ${error.version} ${error.running ? "running" : "not applied"} ${error.errorType}`).sort()).toEqual([
      "broken 1.0 running ModuleNotFoundError",
      "count 2.0 not applied RuntimeError",
      "greet 2.0 not applied ModuleNotFoundError",
    ]);
    expect((await api().pythonPackages({ search: "granary-demo-app" })).map((distribution) => distribution.version)).toEqual(["1.0"]);
    // The failed install's token was revoked as well.
    const tokens = await installTokens();
    expect(tokens).toHaveLength(2);
    expect(tokens.every((row) => row.revokedAt !== null)).toBe(true);

    const actions = (await recordedAuditEvents(db)).map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "admin.application_created",
        "admin.application_install_started",
        "admin.application_installed",
        "admin.application_changed",
        "admin.application_install_failed",
        "token.created",
        "token.revoked",
      ]),
    );

    // Delete asks for the name, then removes the application and its environments.
    const refused = await failureOf(api().delete({ id: created.id, confirmation: "demo" }));
    expect(refused.code).toBe("BAD_REQUEST");
    await api().delete({ id: created.id, confirmation: "Demo app" });
    expect(await db.select().from(applications)).toEqual([]);
    expect(fs.existsSync(path.resolve(dataDirectory, "applications", created.id))).toBe(false);
    expect(await recordedAuditEvents(db, { action: "admin.application_deleted" })).toHaveLength(1);
  }, 300_000);

  it("refuses a source that is not there with a field error, and a second application of the same name, writing nothing", async () => {
    await publish(fixtures.helper, fixtures.app);
    const unknownOwner = await failureOf(api().create({ name: "Demo", sourceKind: "package", owner: "nobody", packageName: "granary-demo-app", packageVersion: "1.0" }));
    expect(unknownOwner.fieldErrors).toMatchObject({ owner: expect.stringContaining("nobody") });
    const unknownVersion = await failureOf(api().create({ name: "Demo", sourceKind: "package", owner: "alice", packageName: "granary-demo-app", packageVersion: "9.9" }));
    expect(unknownVersion.fieldErrors).toMatchObject({ packageVersion: expect.stringContaining("9.9") });
    const missingCommit = await failureOf(api().create({ name: "Demo", sourceKind: "git", owner: "alice", gitUrl: "file:///nowhere", gitBranch: "main" }));
    expect(missingCommit.code).toBe("BAD_REQUEST");
    const optionLikeUrl = await failureOf(api().create({ name: "Demo", sourceKind: "git", owner: "alice", gitUrl: "--upload-pack=touch /tmp/x", gitBranch: "main", gitCommit: "abcdef1" }));
    expect(optionLikeUrl.code).toBe("BAD_REQUEST");
    expect(await db.select().from(applications)).toEqual([]);
    expect(await db.select().from(jobRuns)).toEqual([]);

    const demo = await api().create({ name: "Demo", sourceKind: "package", owner: "alice", packageName: "granary-demo-app", packageVersion: "1.0" });
    // While its first install waits, it can be made inactive, but not sent to another version.
    expect((await api().update({ id: demo.id, active: false })).install).toBeNull();
    await publish(fixtures.brokenApp);
    const busy = await failureOf(api().update({ id: demo.id, packageVersion: "2.0", active: false }));
    expect(busy.code).toBe("CONFLICT");
    expect((await api().get({ id: demo.id })).application).toMatchObject({ active: false, packageVersion: "1.0" });
    expect(await db.select().from(applicationInstalls)).toHaveLength(1);
    const duplicate = await failureOf(api().create({ name: "demo", sourceKind: "package", owner: "alice", packageName: "granary-demo-app", packageVersion: "1.0" }));
    expect(duplicate.code).toBe("CONFLICT");
    expect(duplicate.fieldErrors).toMatchObject({ name: expect.stringContaining("exists already") });
    expect(await db.select().from(applications)).toHaveLength(1);
  });

  it("is for site administrators only", async () => {
    const failure = await failureOf(callerFor(alice.actor).applications.list());
    expect(failure.code).toBe("FORBIDDEN");
  });
});

describe("installing an application from a Git commit", () => {
  it("installs the exact commit asked for from a file:// repository, lists the branch's commits, and switches to another commit on Update", async () => {
    await publish(fixtures.helper);
    const repository = path.join(fixtures.directory, `repository-${Date.now()}`);
    const first = commitApplicationProject(demoApplication("1.0"), repository, "main");
    const second = commitApplicationProject(demoApplication("1.1"), repository, "main");

    const created = await api().create({ name: "From Git", sourceKind: "git", owner: "alice", gitUrl: `file://${repository}`, gitBranch: "main", gitCommit: first.slice(0, 10) });
    await drainJobs({ db });
    const page = await api().get({ id: created.id });
    expect(page.application, page.installs[0]?.output ?? "").toMatchObject({ state: "installed", installedCommit: first, gitCommit: first });
    expect((await api().pythonPackages({ search: "granary-demo-app" })).map((distribution) => distribution.version)).toEqual(["1.0"]);

    const commits = await api().branchCommits({ id: created.id });
    expect(commits.map((commit) => commit.commit)).toEqual([second, first]);
    expect(commits[0]).toMatchObject({ subject: "granary-demo-app 1.1", author: "Granary Tests" });

    await api().update({ id: created.id, gitCommit: second, active: false });
    await drainJobs({ db });
    const updated = await api().get({ id: created.id });
    expect(updated.application).toMatchObject({ installedCommit: second, active: false });
    // The replaced environment stays for the servers and workers that run it until they restart; the one before it goes.
    expect(fs.existsSync(page.application.environmentPath!)).toBe(true);
    expect((await api().pythonPackages({ search: "granary-demo-app" })).map((distribution) => distribution.version)).toEqual(["1.1"]);
    await api().update({ id: created.id, gitCommit: first, active: false });
    await drainJobs({ db });
    expect((await api().get({ id: created.id })).application).toMatchObject({ installedCommit: first });
    expect(fs.existsSync(page.application.environmentPath!)).toBe(false);
    expect(fs.existsSync(updated.application.environmentPath!)).toBe(true);
    await api().update({ id: created.id, gitCommit: second, active: false });
    await drainJobs({ db });
    const [tokensLeft] = await db.select().from(accessTokens).where(and(like(accessTokens.name, "application install %")));
    expect(tokensLeft?.revokedAt).not.toBeNull();
  }, 300_000);
});
