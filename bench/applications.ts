/**
 * Applications benchmark (issue 15; the `applications` section of bench/run.sh), on the running Granary:
 *
 *   npx tsx bench/applications.ts run <database-url> <results-dir> <granary-url> <owner> <password> [tasks]
 *
 * - Install time: the test application's wheel and its dependency (src/test/applications.ts, with its work tasks)
 *   are published to <owner>'s index with twine, and the application is created as a site administrator would; the
 *   server's own worker installs it (real pip from Granary's index). Time: the install's queued_at to finished_at.
 * - Task start latency: a task whose first act is a log line is run one at a time (10 runs); the latency is from the
 *   run's queued_at (the enqueue) to the logged_at of its first log line.
 * - A burst: <tasks> (50) runs of a short task queued at once in one transaction, drained by two worker processes
 *   serving only the user-tasks queue (`tsx bench/applications.ts worker <database-url>`, as `npm run worker` with
 *   JOBS_QUEUES=user-tasks would). Total time from the enqueue to the last run's end; per task p50/p95 of queued to
 *   finished and of started to finished.
 *
 * Granary must be started without the user-tasks queue (JOBS_QUEUES=high,default,low, as bench/run.sh does), so
 * that only the two measured workers run tasks. Writes <results-dir>/applications.json.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { exportToEnvironment } from "../src/env";
import { userActor } from "../src/server/authz";
import { connectDatabase } from "../src/server/db/client";
import { applicationInstalls, taskRunLogLines, taskRuns, users } from "../src/server/db/schema";
import { createOutboxTransport } from "../src/server/email/transports";
import { EmbeddedWorker } from "../src/server/jobs/embedded/worker";
import { jobDefinitions } from "../src/server/jobs/registry";
import { toActorUser } from "../src/server/services/account-records";
import { createApplication, deleteApplication } from "../src/server/services/applications";
import { startTaskRun } from "../src/server/services/application-tasks";
import { BlobStore } from "../src/server/storage";
import { buildApplicationWheel, demoApplication, demoHelper } from "../src/test/applications";

const log = (message: string) => console.error(`[bench applications] ${message}`);
const latencyRuns = 10;
const workerConcurrency = 4;

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

async function until<T>(what: string, seconds: number, read: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ------------------------------------------------------------------------------------------------ workers
async function worker(databaseUrl: string): Promise<void> {
  const { db } = connectDatabase(databaseUrl, { max: 4 });
  const embedded = new EmbeddedWorker({
    databaseUrl,
    db,
    definitions: jobDefinitions,
    queues: ["user-tasks"],
    concurrency: workerConcurrency,
    pollIntervalMs: 2000,
    heartbeatMs: 5000,
    lostAfterMs: 30_000,
    dependencies: { db, mailer: createOutboxTransport(), blobs: new BlobStore(path.join(os.tmpdir(), "granary-bench-task-blobs")) },
    log,
  });
  await embedded.start();
  console.log("ready");
  process.once("SIGTERM", () => void embedded.stop({ graceMs: 1000 }).then(() => process.exit(0)));
}

function startWorker(databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", __filename, "worker", databaseUrl], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`a worker exited (${code})`)));
  });
}

// ------------------------------------------------------------------------------------------------ driver
async function run(databaseUrl: string, resultsDirectory: string, granaryUrl: string, owner: string, password: string, burst: number) {
  const { db, close } = connectDatabase(databaseUrl, { max: 4 });
  const [adminRow] = await db.select().from(users).where(and(eq(users.isSiteAdmin, true), eq(users.isActive, true))).orderBy(asc(users.createdAt)).limit(1);
  if (!adminRow) throw new Error("There is no active site administrator to install the application as.");
  const admin = userActor(toActorUser(adminRow));

  const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "granary-bench-applications-"));
  const stamp = String(Date.now());
  const helperName = `granary-bench-helper-${stamp}`;
  const wheels = [
    buildApplicationWheel(demoHelper("1.0", helperName), fixtures),
    buildApplicationWheel(demoApplication(`1.${stamp}`, { workTasks: true, helper: helperName }), fixtures),
  ];
  log(`publishing ${wheels.map((wheel) => path.basename(wheel)).join(", ")} to ${owner}'s index with twine`);
  execFileSync("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", `${granaryUrl}/${owner}/pypi/legacy/`, "-u", owner, "-p", password, ...wheels], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: fixtures } as unknown as NodeJS.ProcessEnv,
  });

  log("installing the application (the server's worker runs the install job)");
  const created = await createApplication(db, admin, { name: `bench-${stamp}`, sourceKind: "package", owner, packageName: "granary-demo-app", packageVersion: `1.${stamp}`, active: true });
  const install = await until("the install", 600, async () => {
    const [row] = await db.select().from(applicationInstalls).where(eq(applicationInstalls.id, created.installId));
    if (row?.status === "failed") throw new Error(`The install failed: ${row.error}\n${row.output.slice(-3000)}`);
    return row?.status === "succeeded" ? row : null;
  });
  const installSeconds = (install.finishedAt!.getTime() - install.queuedAt.getTime()) / 1000;
  log(`installed in ${installSeconds.toFixed(1)} s`);

  const workers = [await startWorker(databaseUrl), await startWorker(databaseUrl)];
  try {
    // Start latency: one run at a time, so that each finds a worker waiting.
    const latencies: number[] = [];
    for (let index = 0; index < latencyRuns; index++) {
      const { id } = await startTaskRun(db, admin, { applicationId: created.id, task: "report", input: { n: 1 } });
      const first = await until("a run's first log line", 120, async () => {
        const [line] = await db.select().from(taskRunLogLines).where(eq(taskRunLogLines.runId, id)).orderBy(asc(taskRunLogLines.id)).limit(1);
        return line ?? null;
      });
      const [row] = await db.select().from(taskRuns).where(eq(taskRuns.id, id));
      latencies.push(first.loggedAt.getTime() - row!.queuedAt.getTime());
      await until("the run", 120, async () => ((await db.select({ status: taskRuns.status }).from(taskRuns).where(eq(taskRuns.id, id)))[0]?.status === "succeeded" ? true : null));
    }
    log(`start latency p50 ${percentile(latencies, 0.5)} ms, p95 ${percentile(latencies, 0.95)} ms`);

    // The burst: every run queued in one go, then drained by the two workers.
    const ids: string[] = [];
    const queuedAt = Date.now();
    for (let index = 0; index < burst; index++) ids.push((await startTaskRun(db, admin, { applicationId: created.id, task: "report", input: { n: 3 } })).id);
    const rows = await until(`${burst} runs`, 1800, async () => {
      const finished = await db.select().from(taskRuns).where(and(inArray(taskRuns.id, ids), sql`${taskRuns.finishedAt} is not null`));
      return finished.length === ids.length ? finished : null;
    });
    const failed = rows.filter((row) => row.status !== "succeeded");
    const lastFinished = Math.max(...rows.map((row) => row.finishedAt!.getTime()));
    const inSystem = rows.map((row) => row.finishedAt!.getTime() - row.queuedAt.getTime());
    const running = rows.map((row) => row.finishedAt!.getTime() - (row.startedAt ?? row.queuedAt).getTime());
    const result = {
      installSeconds,
      startLatencyMs: { runs: latencies.length, p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: Math.max(...latencies) },
      burst: {
        tasks: burst,
        workers: workers.length,
        concurrencyPerWorker: workerConcurrency,
        failed: failed.length,
        totalSeconds: (lastFinished - queuedAt) / 1000,
        queuedToFinishedMs: { p50: percentile(inSystem, 0.5), p95: percentile(inSystem, 0.95) },
        startedToFinishedMs: { p50: percentile(running, 0.5), p95: percentile(running, 0.95) },
      },
      cores: os.cpus().length,
      loadAverage: os.loadavg(),
    };
    log(`${burst} tasks on ${workers.length} workers: ${result.burst.totalSeconds.toFixed(1)} s, per task p50 ${result.burst.queuedToFinishedMs.p50} ms, p95 ${result.burst.queuedToFinishedMs.p95} ms (queued to finished)${failed.length ? `; ${failed.length} failed: ${failed[0]!.error}` : ""}`);
    fs.writeFileSync(path.join(resultsDirectory, "applications.json"), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const child of workers) child.kill("SIGTERM");
    // Its environments live under the server's DATA_DIR, which bench/run.sh hands this process too.
    await deleteApplication(db, admin, { id: created.id, confirmation: `bench-${stamp}` });
    fs.rmSync(fixtures, { recursive: true, force: true });
    await close();
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === "worker") {
  exportToEnvironment({ AUTH_SECRET: "bench-applications-secret", DATABASE_URL: rest[0]! });
  void worker(rest[0]!);
} else if (command === "run") {
  const [databaseUrl, resultsDirectory, granaryUrl, owner, password, tasks] = rest;
  if (!databaseUrl || !resultsDirectory || !granaryUrl || !owner || !password) {
    console.error("usage: tsx bench/applications.ts run <database-url> <results-dir> <granary-url> <owner> <password> [tasks]");
    process.exit(2);
  }
  exportToEnvironment({ AUTH_SECRET: "bench-applications-secret", DATABASE_URL: databaseUrl });
  run(databaseUrl, resultsDirectory, granaryUrl, owner, password, Number(tasks ?? 0) || 50).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  console.error("usage: tsx bench/applications.ts run|worker ...");
  process.exit(2);
}
