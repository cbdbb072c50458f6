/**
 * What a server or worker holds of the applications: loaded once, kept through an update until Restart the platform
 * (every server's reloader reloads them) or Restart workers (the worker stops, the process reloads, a fresh worker
 * takes the queue up again), after which the new version is what a task resolves to; a job queued while the worker
 * restarts stays queued and runs on the fresh worker, with the new version.
 */
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { createSiteAdmin, type TestUser } from "@/test/factories";
import { registerTestJobs } from "@/test/jobs";
import { applicationInstalls, applications, applicationTasks, jobRuns, platformServerReloads } from "../db/schema";
import { createOutboxTransport } from "../email/transports";
import { defineJob, type AnyJobDefinition } from "../jobs/definition";
import { EmbeddedWorker } from "../jobs/embedded/worker";
import { enqueue } from "../jobs/enqueue";
import { restartEmbeddedWorker } from "../jobs/runtime";
import { startTestServer, type TestServer } from "../protocols/test-support";
import * as jobService from "../services/jobs";
import { restartPlatform } from "../services/platform-restart";
import { BlobStore } from "../storage";
import { activeApplications, resolveApplicationTask } from "./active-applications";

const db = setUpTestDatabase();

const resolveTaskJob = defineJob({
  id: "test-resolve-application-task",
  description: "Resolves the Demo application's greet task as a task run would, and says which version it got",
  input: z.object({}),
  priority: "default",
  retries: { limit: 0, delaySeconds: 1, backoff: false },
  timeoutSeconds: 30,
  async run(_input, { db: jobDb }) {
    const resolved = await resolveApplicationTask(jobDb, "demo", "greet");
    return { version: resolved?.application.version ?? null, environmentPath: resolved?.application.environmentPath ?? null };
  },
});
const testJobs = [resolveTaskJob] as unknown as AnyJobDefinition[];

beforeAll(async () => {
  await registerTestJobs(testJobs);
});

let admin: TestUser;
let applicationId: string;
beforeEach(async () => {
  admin = await createSiteAdmin(db, { username: "root" });
  applicationId = randomUUID();
  await db.insert(applications).values({ id: applicationId, name: "Demo", sourceKind: "package", indexOwner: "root", packageName: "granary-demo-app", packageVersion: "1.0" });
  await installVersion("1.0");
  // Whatever an earlier test left in this process's copy.
  await activeApplications().reload(db);
});

/** What a successful install does to the rows: a new install with its tasks, and the application switched to it. */
async function installVersion(version: string) {
  const installId = randomUUID();
  const environmentPath = `/srv/granary/applications/${applicationId}/${installId}`;
  await db.insert(applicationInstalls).values({ id: installId, applicationId, status: "succeeded", version, environmentPath, finishedAt: new Date() });
  await db.insert(applicationTasks).values({ installId, applicationId, name: "greet", entryPoint: "granary_demo_app.greet:greet", description: `Greets (${version})` });
  await db
    .update(applications)
    .set({ state: "installed", currentInstallId: installId, installedVersion: version, packageVersion: version, environmentPath, installedAt: new Date() })
    .where(eq(applications.id, applicationId));
  return environmentPath;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; tries < 300; tries++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Still waiting; last value: ${JSON.stringify(await read())}`);
}

const resolvedVersion = async () => (await resolveApplicationTask(db, "Demo", "greet"))?.application.version;

describe("the applications a process holds", () => {
  let server: TestServer | undefined;
  const workers: EmbeddedWorker[] = [];
  afterEach(async () => {
    while (workers.length) await workers.pop()!.stop({ graceMs: 2000 });
    await server?.close();
    server = undefined;
  });

  function startWorker(overrides: Partial<ConstructorParameters<typeof EmbeddedWorker>[0]> = {}) {
    const worker = new EmbeddedWorker({
      databaseUrl: testDatabaseUrl(),
      db,
      definitions: testJobs,
      queues: ["default"],
      concurrency: 1,
      pollIntervalMs: 60_000,
      heartbeatMs: 200,
      lostAfterMs: 1_000,
      dependencies: { db, mailer: createOutboxTransport(), blobs: new BlobStore("/tmp/granary-test-blobs") },
      log: () => {},
      ...overrides,
    });
    workers.push(worker);
    return worker;
  }

  it("keeps the loaded version through an update until the platform restarts, then every server resolves tasks to the new one", async () => {
    server = await startTestServer(db);
    expect(await resolvedVersion()).toBe("1.0");
    const newEnvironment = await installVersion("2.0");
    // Installed, but the running servers keep what they loaded until they are restarted.
    expect(await resolvedVersion()).toBe("1.0");

    const { restartId } = await restartPlatform(db, admin.actor);
    await waitFor(
      () => db.select().from(platformServerReloads).where(eq(platformServerReloads.restartId, restartId)),
      (rows) => rows.length === 1,
    );
    const resolved = await resolveApplicationTask(db, "demo", "greet");
    expect(resolved).toMatchObject({ application: { version: "2.0", environmentPath: newEnvironment }, task: { description: "Greets (2.0)" } });
    // An inactive application has no tasks to resolve, once reloaded.
    await db.update(applications).set({ active: false }).where(eq(applications.id, applicationId));
    await activeApplications().reload(db);
    expect(await resolveApplicationTask(db, "Demo", "greet")).toBeNull();
  });

  it("reloads on Restart workers: a job queued while the worker restarts stays queued and runs on the fresh worker with the new version", async () => {
    let replacement: EmbeddedWorker | undefined;
    let queuedAcross: string | undefined;
    let statusWhileRestarting: string | undefined;
    let restartedWorker!: () => void;
    const restarted = new Promise<void>((resolve) => (restartedWorker = resolve));
    const worker = startWorker({
      // As the job runtime restarts its worker.
      onRestartRequested: (old) => {
        void restartEmbeddedWorker(
          old,
          db,
          async () => {
            // Between the old worker's stop and the fresh one's start: nobody takes it, and it waits in the queue.
            queuedAcross = (await enqueue(db, resolveTaskJob, {})).runId;
            statusWhileRestarting = (await run(queuedAcross)).status;
            replacement = startWorker();
            await replacement.start();
            restartedWorker();
          },
          () => {},
        );
      },
    });
    await worker.start();
    const before = await enqueue(db, resolveTaskJob, {});
    await waitFor(() => run(before.runId), (row) => row.status === "succeeded");
    expect((await run(before.runId)).result).toEqual({ version: "1.0", environmentPath: expect.stringContaining(applicationId) });

    await installVersion("3.0");
    await expect(jobService.restartWorkers(db, admin.actor)).resolves.toEqual({ workers: 1 });
    await restarted;
    expect(statusWhileRestarting).toBe("queued");
    const after = await waitFor(() => run(queuedAcross!), (row) => row.status === "succeeded");
    expect(after.workerId).toBe(replacement!.id);
    expect(after.result).toEqual({ version: "3.0", environmentPath: expect.stringContaining(applicationId) });
    expect((await jobService.listWorkers(db, admin.actor)).items.find((item) => item.id === worker.id)).toMatchObject({ state: "stopped" });
  });
});

async function run(id: string) {
  const [row] = await db.select().from(jobRuns).where(sql`${jobRuns.id} = ${id}::uuid`);
  return row!;
}
