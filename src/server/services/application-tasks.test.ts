/**
 * Running tasks for real: the test application's wheel (with its work tasks) is published to the protocol server and
 * installed by the install job with real pip; then users run its tasks through the user-tasks queue, each in a
 * subprocess of the application's environment, and the test reads back the stored results with their sha256, the
 * progress and log lines, the timeout, cancel and memory limit, the task's environment, refused inputs, and who sees
 * which runs.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { env } from "@/env";
import { buildApplicationWheel, demoApplication, demoHelper } from "@/test/applications";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import { drainJobs } from "@/test/jobs";
import { requireTools } from "@/test/tools";
import { jobRuns, taskRunLogLines, taskRunObjects, taskRuns } from "../db/schema";
import { basicAuthorization, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer } from "../protocols/test-support";
import { getBlobStore } from "../storage";
import { getTaskRunObject, runTaskRun } from "./application-tasks";
import { removeBlobIfUnreferenced } from "./blob-references";

requireTools("pythonBuild", "pip", "venv");
const db = setUpTestDatabase();

let fixtures: { directory: string; helper: string; app: string };

beforeAll(() => {
  const directory = temporaryDirectory("application-tasks");
  fixtures = { directory, helper: buildApplicationWheel(demoHelper("1.0"), directory), app: buildApplicationWheel(demoApplication("1.0", { workTasks: true }), directory) };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
let dataDirectory: string;
const saved = { PUBLIC_URL: env.PUBLIC_URL, DATA_DIR: env.DATA_DIR };
const secretName = "GRANARY_TASKS_TEST_SECRET";

beforeEach(async () => {
  server = await startTestServer(db);
  dataDirectory = temporaryDirectory("application-tasks-data");
  Object.assign(env, { PUBLIC_URL: server.url, DATA_DIR: dataDirectory });
  admin = await createSiteAdmin(db, { username: "root" });
  alice = await createUser(db, { username: "alice" });
  bob = await createUser(db, { username: "bob" });
  // A secret in the server's own environment, which no task may see.
  process.env[secretName] = "do not leak";
});

afterEach(async () => {
  delete process.env[secretName];
  Object.assign(env, saved);
  await server.close();
  fs.rmSync(dataDirectory, { recursive: true, force: true });
});

async function installDemo(): Promise<string> {
  for (const file of [fixtures.helper, fixtures.app]) {
    const upload = await twineStyleUpload(server, "alice", file, { Authorization: basicAuthorization("alice", alice.password) });
    expect(upload.status, upload.text).toBe(200);
  }
  const created = await callerFor(admin.actor).applications.create({ name: "Demo app", sourceKind: "package", owner: "alice", packageName: "granary-demo-app", packageVersion: "1.0" });
  await drainJobs({ db });
  const page = await callerFor(admin.actor).applications.get({ id: created.id });
  expect(page.application.state, page.installs[0]?.output ?? "").toBe("installed");
  return created.id;
}

const drain = () => drainJobs({ db, blobs: getBlobStore() });
const tasksOf = (user: TestUser) => callerFor(user.actor).tasks;

function sha256Of(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function waitFor<T>(read: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let tries = 0; tries < 600; tries++) {
    const value = await read();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("The condition never came true.");
}

describe("running an application's tasks", () => {
  it("runs a task in a subprocess of the application's environment, with its progress, log lines, result and file stored with their sha256, and limits who sees it", async () => {
    const applicationId = await installDemo();
    const listed = await tasksOf(alice).list();
    expect(listed.map((task) => task.name)).toEqual(["allocate", "count", "environment", "greet", "report", "wait"]);
    expect(listed.find((task) => task.name === "report")).toMatchObject({ application: "Demo app", description: "Counts to n, reporting its progress, and writes the numbers to a file." });

    // A bad input is refused on its fields, and nothing is queued.
    const missing = await failureOf(tasksOf(alice).start({ applicationId, task: "report", input: { label: "x" } }));
    expect(missing.code).toBe("BAD_REQUEST");
    expect(missing.fieldErrors).toMatchObject({ n: "This field is required." });
    const wrongType = await failureOf(tasksOf(alice).start({ applicationId, task: "report", input: { n: "three", mode: "medium" } }));
    expect(wrongType.fieldErrors).toMatchObject({ n: expect.stringContaining("integer"), mode: expect.stringContaining('"fast", "slow"') });
    const unknownTask = await failureOf(tasksOf(alice).start({ applicationId, task: "nothing", input: {} }));
    expect(unknownTask.code).toBe("NOT_FOUND");
    expect(await db.select().from(taskRuns)).toEqual([]);
    expect(await db.select().from(jobRuns).where(eq(jobRuns.jobName, "run-application-task"))).toEqual([]);

    const started = await tasksOf(alice).start({ applicationId, task: "report", input: { n: 3, label: "three" } });
    const [queued] = await db.select().from(jobRuns).where(eq(jobRuns.id, started.runId));
    expect(queued).toMatchObject({ jobName: "run-application-task", priority: "user-tasks", status: "queued" });
    await drain();

    const page = await tasksOf(alice).run({ id: started.id });
    expect(page.run, page.run.error ?? "").toMatchObject({ status: "succeeded", progress: 100, progressMessage: "step 3 of 3", task: "report", application: "Demo app", user: "alice", mine: true });
    expect(page.logLines.map((line) => `${line.stream}: ${line.message}`)).toEqual(expect.arrayContaining(["log: step 1", "log: step 2", "log: step 3", "stdout: printed on stdout"]));
    expect(JSON.parse(page.result!.json)).toEqual({ total: 3, label: "three" });
    const resultBytes = JSON.stringify({ total: 3, label: "three" });
    const numbers = "0\n1\n2\n";
    expect(page.objects).toEqual([
      { id: expect.any(String), kind: "file", name: "numbers.txt", sha256: sha256Of(numbers), size: numbers.length },
      { id: expect.any(String), kind: "result", name: "result.json", sha256: sha256Of(resultBytes), size: resultBytes.length },
    ]);
    expect(fs.readFileSync(getBlobStore().blobPath(sha256Of(numbers)), "utf8")).toBe(numbers);
    // The stored bytes count as referenced: a removal leaves them in place.
    expect(await removeBlobIfUnreferenced(db, getBlobStore(), sha256Of(numbers))).toBe(false);
    const [job] = await db.select().from(jobRuns).where(eq(jobRuns.id, started.runId));
    expect(job?.status).toBe("succeeded");

    // Who sees the run: its user and site administrators; bob is told it does not exist.
    expect((await failureOf(tasksOf(bob).run({ id: started.id }))).code).toBe("NOT_FOUND");
    expect((await failureOf(tasksOf(bob).cancel({ id: started.id }))).code).toBe("NOT_FOUND");
    // The download route asks the same question: the file is alice's and an administrator's to fetch, not bob's.
    const file = page.objects.find((object) => object.kind === "file")!;
    expect(await getTaskRunObject(db, alice.actor, { runId: started.id, objectId: file.id })).toMatchObject({ sha256: sha256Of(numbers) });
    expect(await getTaskRunObject(db, admin.actor, { runId: started.id, objectId: file.id })).toMatchObject({ name: "numbers.txt" });
    await expect(getTaskRunObject(db, bob.actor, { runId: started.id, objectId: file.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await tasksOf(bob).runs({})).items).toEqual([]);
    expect((await failureOf(tasksOf(bob).runs({ everyone: true }))).code).toBe("FORBIDDEN");
    expect((await tasksOf(admin).run({ id: started.id })).run).toMatchObject({ user: "alice", mine: false });
    expect((await tasksOf(admin).runs({ everyone: true })).items.map((run) => `${run.user} ${run.task} ${run.status}`)).toEqual(["alice report succeeded"]);
    expect((await tasksOf(alice).runs({})).items.map((run) => run.id)).toEqual([started.id]);

    // Rerun: the same task with the same input.
    const again = await tasksOf(alice).rerun({ id: started.id });
    await drain();
    const rerun = await tasksOf(alice).run({ id: again.id });
    expect(rerun.run).toMatchObject({ status: "succeeded", input: { n: 3, label: "three" } });
    // Identical results are stored once, referred to by both runs.
    expect(rerun.objects.map((object) => object.sha256).sort()).toEqual(page.objects.map((object) => object.sha256).sort());

    // The task's environment holds none of the server's: only what Granary built for it.
    const environment = await tasksOf(alice).start({ applicationId, task: "environment", input: {} });
    await drain();
    const keys = (JSON.parse((await tasksOf(alice).run({ id: environment.id })).result!.json) as { keys: string[] }).keys;
    expect(keys).not.toContain(secretName);
    for (const name of ["DATABASE_URL", "AUTH_SECRET", "NEXTAUTH_SECRET", "PUBLIC_URL", "DATA_DIR"]) expect(keys).not.toContain(name);
    expect(keys.every((key) => ["PATH", "HOME", "LANG", "PYTHONPATH", "PYTHONNOUSERSITE", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "GRANARY_OUTPUT_DIR", "LC_CTYPE", "PWD"].includes(key))).toBe(true);

    const actions = (await recordedAuditEvents(db)).map((event) => event.action);
    expect(actions.filter((action) => action === "task.run_started")).toHaveLength(3);
  }, 300_000);

  it("kills a task past its timeout, cancels a running one, and stops one past its memory limit", async () => {
    const applicationId = await installDemo();
    await callerFor(admin.actor).tasks.updateSettings({ applicationId, timeoutSeconds: 2, memoryLimitMebibytes: 256 });
    expect(await callerFor(admin.actor).tasks.settings({ id: applicationId })).toEqual({ timeoutSeconds: 2, memoryLimitMebibytes: 256 });
    expect((await failureOf(callerFor(alice.actor).tasks.updateSettings({ applicationId, timeoutSeconds: 5, memoryLimitMebibytes: 256 }))).code).toBe("FORBIDDEN");
    const tooSmall = await failureOf(callerFor(admin.actor).tasks.updateSettings({ applicationId, timeoutSeconds: 0, memoryLimitMebibytes: 1 }));
    expect(tooSmall.fieldErrors).toMatchObject({ timeoutSeconds: expect.any(String), memoryLimitMebibytes: expect.any(String) });

    const slow = await tasksOf(alice).start({ applicationId, task: "wait", input: { seconds: 120 } });
    await drain();
    const timedOut = await tasksOf(alice).run({ id: slow.id });
    expect(timedOut.run).toMatchObject({ status: "timed_out", timeoutSeconds: 2 });
    expect(timedOut.run.error).toContain("timeout of 2 s");
    expect(timedOut.logLines.map((line) => line.message)).toContain("waiting");

    const memory = await tasksOf(alice).start({ applicationId, task: "allocate", input: { mebibytes: 512 } });
    await drain();
    const refused = await tasksOf(alice).run({ id: memory.id });
    expect(refused.run).toMatchObject({ status: "failed" });
    expect(refused.run.error).toContain("memory limit of 256 MiB");
    // Within the limit, the same task succeeds.
    const small = await tasksOf(alice).start({ applicationId, task: "allocate", input: { mebibytes: 16 } });
    await drain();
    expect((await tasksOf(alice).run({ id: small.id })).run.status).toBe("succeeded");

    await callerFor(admin.actor).tasks.updateSettings({ applicationId, timeoutSeconds: 600, memoryLimitMebibytes: 256 });
    const long = await tasksOf(alice).start({ applicationId, task: "wait", input: { seconds: 600 } });
    expect((await failureOf(tasksOf(admin).cancel({ id: long.id }))).code).toBe("FORBIDDEN");
    const draining = drain();
    await waitFor(async () => (await db.select().from(taskRunLogLines).where(eq(taskRunLogLines.runId, long.id))).some((line) => line.message === "waiting"));
    expect(await tasksOf(alice).cancel({ id: long.id })).toEqual({ id: long.id, status: "cancelled" });
    await draining;
    const cancelled = await tasksOf(alice).run({ id: long.id });
    expect(cancelled.run).toMatchObject({ status: "cancelled", finished: true });
    expect(await db.select().from(taskRunObjects).where(eq(taskRunObjects.runId, long.id))).toEqual([]);
    const [job] = await db.select().from(jobRuns).where(eq(jobRuns.id, (await db.select().from(taskRuns).where(eq(taskRuns.id, long.id)))[0]!.jobRunId!));
    expect(job?.status).toBe("cancelled");
    expect((await failureOf(tasksOf(alice).cancel({ id: long.id }))).code).toBe("PRECONDITION_FAILED");
    expect(await recordedAuditEvents(db, { action: "task.run_cancelled" })).toHaveLength(1);

    // A worker that stops (a restart, a shutdown) aborts its job: the process is killed and the run fails, not "cancelled".
    const stopped = await tasksOf(alice).start({ applicationId, task: "wait", input: { seconds: 600 } });
    const worker = new AbortController();
    const running = runTaskRun(db, stopped.id, { blobs: getBlobStore(), signal: worker.signal });
    await waitFor(async () => (await db.select().from(taskRunLogLines).where(eq(taskRunLogLines.runId, stopped.id))).some((line) => line.message === "waiting"));
    worker.abort();
    await expect(running).rejects.toThrow("The worker running this task stopped");
    expect((await tasksOf(alice).run({ id: stopped.id })).run).toMatchObject({ status: "failed", error: expect.stringContaining("run it again") });
    expect(await recordedAuditEvents(db, { action: "admin.application_task_settings_changed" })).toHaveLength(2);
  }, 300_000);

  it("shows no tasks of an inactive application and refuses to run them", async () => {
    const applicationId = await installDemo();
    await callerFor(admin.actor).applications.update({ id: applicationId, active: false });
    expect(await tasksOf(alice).list()).toEqual([]);
    const refused = await failureOf(tasksOf(alice).start({ applicationId, task: "report", input: { n: 1 } }));
    expect(refused.code).toBe("NOT_FOUND");
  }, 300_000);
});
