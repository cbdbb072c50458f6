/**
 * The embedded driver end to end on the real database: enqueue (typed, validated, in the caller's transaction),
 * runs with logs and progress, retries with backoff, the last attempt's failure, timeouts, cancelling, secrets
 * sealed in storage, schedules registered, and a worker that wakes on its own, stops cleanly and restarts.
 */
import { sql, TransactionRollbackError } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { createSiteAdmin } from "@/test/factories";
import { drainJobs, registerTestJobs, testBoss } from "@/test/jobs";
import { jobRuns } from "../db/schema";
import { sendEmail } from "../email";
import { createOutboxTransport, type MailTransport } from "../email/transports";
import * as jobService from "../services/jobs";
import { BlobStore } from "../storage";
import { defineJob, type AnyJobDefinition } from "./definition";
import { connectDatabase } from "../db/client";
import { EmbeddedWorker } from "./embedded/worker";
import { enqueue, JobInputError } from "./enqueue";
import { fetchStatement } from "./mirror";
import { jobDefinitions } from "./registry";

const db = setUpTestDatabase();

/** How often each test job was called, by run id. */
const calls = new Map<string, number>();
const called = (runId: string) => {
  calls.set(runId, (calls.get(runId) ?? 0) + 1);
  return calls.get(runId)!;
};

const echoJob = defineJob({
  id: "test-echo",
  description: "Echoes its input after logging and reporting progress",
  input: z.object({ word: z.string().min(1), times: z.number().int().min(1).default(1) }),
  priority: "default",
  retries: { limit: 2, delaySeconds: 1, backoff: false },
  timeoutSeconds: 30,
  async run(input, { log, progress, runId }) {
    called(runId);
    log.info(`echoing ${input.word}`);
    progress(50, "half way");
    log.warn("almost done");
    return { echoed: Array.from({ length: input.times }, () => input.word).join(" ") };
  },
});

const flakyJob = defineJob({
  id: "test-flaky",
  description: "Fails until its attempt number reaches `succeedOn`",
  input: z.object({ succeedOn: z.number().int() }),
  priority: "high",
  retries: { limit: 2, delaySeconds: 40, backoff: true },
  timeoutSeconds: 30,
  async run(input, { attempt, runId }) {
    called(runId);
    if (attempt < input.succeedOn) throw new Error(`attempt ${attempt} broke`);
    return { attempt };
  },
});

const slowJob = defineJob({
  id: "test-slow",
  description: "Waits until cancelled or timed out",
  input: z.object({}),
  priority: "low",
  retries: { limit: 0, delaySeconds: 1, backoff: false },
  timeoutSeconds: 1,
  async run(_input, { signal, runId }) {
    called(runId);
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    return "stopped";
  },
});

const testJobs = [echoJob, flakyJob, slowJob] as unknown as AnyJobDefinition[];

beforeAll(async () => {
  await registerTestJobs(testJobs);
});

async function run(id: string) {
  const [row] = await db.select().from(jobRuns).where(sql`${jobRuns.id} = ${id}::uuid`);
  return row!;
}

async function bossJob(id: string) {
  const [row] = await db.execute<{ state: string; retry_count: number; start_after: Date; data: unknown }>(
    sql`select state, retry_count, start_after, data from pgboss.job where id = ${id}::uuid`,
  );
  return row;
}

describe("enqueue", () => {
  it("queues a run in the jobs table and in pg-boss under one id", async () => {
    const admin = await createSiteAdmin(db);
    const { runId } = await enqueue(db, echoJob, { word: "hello" }, { startedBy: { kind: "user", userId: admin.id, label: admin.username } });
    expect(await run(runId)).toMatchObject({
      jobName: "test-echo",
      priority: "default",
      status: "queued",
      attempts: 0,
      maxAttempts: 3,
      input: { word: "hello", times: 1 },
      startedByKind: "user",
      startedByUserId: admin.id,
      startedByLabel: admin.username,
      driver: "embedded",
    });
    expect(await bossJob(runId)).toMatchObject({ state: "created" });
  });

  it("refuses an input its schema refuses, with a clear error, and writes nothing", async () => {
    // @ts-expect-error: the input is typed by the definition
    const wrongType = enqueue(db, echoJob, { word: 42 });
    await expect(wrongType).rejects.toThrow(JobInputError);
    await expect(enqueue(db, echoJob, { word: "" })).rejects.toThrow("Invalid input for the job test-echo: word:");
    expect(await db.$count(jobRuns)).toBe(0);
    const [count] = await db.execute<{ count: number }>(sql`select count(*)::int as count from pgboss.job where name like 'test-%'`);
    expect(count!.count).toBe(0);
  });

  it("joins the caller's transaction: a rolled-back change queues nothing", async () => {
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, echoJob, { word: "never" });
        throw new Error("the caller changed its mind");
      }),
    ).rejects.toThrow("the caller changed its mind");
    expect(await db.$count(jobRuns)).toBe(0);
    expect(await drainJobs({ definitions: testJobs })).toEqual({ attempts: 0 });
  });
});

describe("running jobs", () => {
  it("runs the body once and records the result, the log lines and the progress", async () => {
    const { runId } = await enqueue(db, echoJob, { word: "hi", times: 2 });
    expect(await drainJobs({ definitions: testJobs })).toEqual({ attempts: 1 });
    expect(calls.get(runId)).toBe(1);
    const row = await run(runId);
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, progress: 100, result: { echoed: "hi hi" }, error: null, workerLabel: "drainJobs" });
    expect(row.startedAt).toBeInstanceOf(Date);
    expect(row.finishedAt!.getTime()).toBeGreaterThanOrEqual(row.startedAt!.getTime());
    const admin = await createSiteAdmin(db);
    const detail = await jobService.getRun(db, admin.actor, { id: runId });
    expect(detail.logs.map(({ attempt, level, message }) => ({ attempt, level, message }))).toEqual([
      { attempt: 1, level: "info", message: "echoing hi" },
      { attempt: 1, level: "warn", message: "almost done" },
    ]);
    expect(await bossJob(runId)).toMatchObject({ state: "completed" });
  });

  it("retries a failure after the backoff, and fails for good after the last attempt with the error kept", async () => {
    const { runId } = await enqueue(db, flakyJob, { succeedOn: 99 });
    const before = Date.now();
    await drainJobs({ definitions: testJobs });
    let row = await run(runId);
    expect(row).toMatchObject({ status: "retrying", attempts: 1, error: "attempt 1 broke" });
    expect(row.errorStack).toContain("attempt 1 broke");
    expect(row.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(before + 40_000);
    // pg-boss waits at least the delay (40 s, with jitter up to twice that) before the second attempt...
    const first = await bossJob(runId);
    expect(first).toMatchObject({ state: "retry", retry_count: 0 });
    expect(new Date(first!.start_after).getTime()).toBeGreaterThanOrEqual(before + 40_000 - 1000);
    // ...so nothing is due now.
    expect(await drainJobs({ definitions: testJobs })).toEqual({ attempts: 0 });

    await drainJobs({ definitions: testJobs, ignoreDelays: true, rounds: 1 });
    expect(await run(runId)).toMatchObject({ status: "retrying", attempts: 2, error: "attempt 2 broke" });
    // Backoff: the second retry waits at least twice the delay.
    const second = await bossJob(runId);
    expect(new Date(second!.start_after).getTime()).toBeGreaterThanOrEqual(Date.now() + 80_000 - 2000);

    await drainJobs({ definitions: testJobs, ignoreDelays: true, rounds: 1 });
    row = await run(runId);
    expect(row).toMatchObject({ status: "failed", attempts: 3, error: "attempt 3 broke", nextAttemptAt: null });
    expect(row.errorStack).toMatch(/Error: attempt 3 broke\n\s+at /);
    expect(await bossJob(runId)).toMatchObject({ state: "failed" });
    expect(calls.get(runId)).toBe(3);
    expect(await drainJobs({ definitions: testJobs, ignoreDelays: true })).toEqual({ attempts: 0 });
  });

  it("succeeds on a retry", async () => {
    const { runId } = await enqueue(db, flakyJob, { succeedOn: 2 });
    await drainJobs({ definitions: testJobs });
    await drainJobs({ definitions: testJobs, ignoreDelays: true });
    expect(await run(runId)).toMatchObject({ status: "succeeded", attempts: 2, result: { attempt: 2 }, error: null });
  });

  it("fails an attempt that outlives its timeout", async () => {
    const { runId } = await enqueue(db, slowJob, {});
    await drainJobs({ definitions: testJobs });
    expect(await run(runId)).toMatchObject({ status: "failed", attempts: 1, error: "The attempt did not finish within its 1 s timeout." });
  });

  it("does not start a cancelled run", async () => {
    const admin = await createSiteAdmin(db);
    const { runId } = await enqueue(db, echoJob, { word: "no" });
    await expect(jobService.cancelRun(db, admin.actor, { id: runId })).resolves.toEqual({ id: runId, status: "cancelled" });
    expect(await drainJobs({ definitions: testJobs })).toEqual({ attempts: 0 });
    expect(calls.get(runId)).toBeUndefined();
    expect(await run(runId)).toMatchObject({ status: "cancelled", attempts: 0 });
    expect(await bossJob(runId)).toMatchObject({ state: "cancelled" });
  });

  it("retries a failed run again when an administrator asks, counting its attempts on", async () => {
    const admin = await createSiteAdmin(db);
    const { runId } = await sendEmail(db, { to: "ada@example.test", template: "emailChanged", props: { username: "ada", newEmail: "ada@new.example" } });
    const broken: MailTransport = { name: "smtp", keepsBody: false, deliver: () => Promise.reject(new Error("the mail server is down")) };
    await drainJobs({ mailer: broken, ignoreDelays: true });
    expect(await run(runId)).toMatchObject({ status: "failed", attempts: 5, maxAttempts: 5 });
    expect((await run(runId)).error).toContain("the mail server is down");

    await expect(jobService.retryRun(db, admin.actor, { id: runId })).resolves.toEqual({ id: runId, status: "queued" });
    expect(await run(runId)).toMatchObject({ status: "queued", attempts: 5, maxAttempts: 10, error: null });
    await drainJobs();
    expect(await run(runId)).toMatchObject({ status: "succeeded", attempts: 6 });
    expect(await db.execute(sql`select status, error from email_messages`)).toEqual([{ status: "stored", error: null }]);
    await expect(jobService.retryRun(db, admin.actor, { id: runId })).rejects.toThrow("Only failed runs can be retried; this one is succeeded.");
  });
});

describe("secret inputs", () => {
  it("are sealed wherever the queued e-mail is stored, shown redacted, and opened only by the delivery", async () => {
    const resetUrl = "http://granary.test/reset-password?token=c2VjcmV0LXJlc2V0LWxpbmstdGhhdC1tdXN0LW5vdC1sZWFr";
    const { runId } = await sendEmail(db, { to: "ada@example.test", template: "passwordReset", props: { username: "ada", resetUrl, expiresInHours: 24 } });
    const stored = await db.execute<{ text: string }>(sql`
      select data::text as text from pgboss.job where id = ${runId}::uuid
      union all select payload::text from job_runs where id = ${runId}::uuid
      union all select input::text from job_runs where id = ${runId}::uuid`);
    expect(stored).toHaveLength(3);
    for (const { text } of stored) expect(text).not.toContain("c2VjcmV0LXJlc2V0");
    expect((await run(runId)).input).toMatchObject({ to: "ada@example.test", template: "passwordReset", props: { username: "ada" }, secretProps: "[redacted]" });
    await drainJobs();
    const [mail] = await db.execute<{ text: string }>(sql`select text from email_messages`);
    expect(mail!.text).toContain(resetUrl);
  });
});

describe("schedules", () => {
  it("registers every periodic job's cron with pg-boss, in UTC", async () => {
    const rows = await db.execute<{ name: string; cron: string; timezone: string }>(sql`select name, cron, timezone from pgboss.schedule order by name`);
    const periodic = jobDefinitions.filter((definition) => definition.schedule);
    expect(periodic.map((definition) => definition.id).sort()).toEqual([
      "check-directory-accounts",
      "daily-report-mail",
      "license-notices",
      "purge-expired-records",
      "purge-finished-job-runs",
      "purge-system-logs",
      "remove-unreferenced-blobs",
      "roll-up-downloads",
      "statistics-snapshot",
      "token-expiry-notices",
    ]);
    expect(rows).toEqual(
      periodic.map((definition) => ({ name: definition.id, cron: definition.schedule!.cron, timezone: "UTC" })).sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it("lists the periodic tasks with their schedule in words and their runs, and runs one now", async () => {
    const admin = await createSiteAdmin(db);
    const { runId } = await jobService.runPeriodicTask(db, admin.actor, { name: "statistics-snapshot" });
    await drainJobs();
    const { items } = await jobService.listPeriodicTasks(db, admin.actor);
    const snapshot = items.find((task) => task.name === "statistics-snapshot")!;
    expect(snapshot).toMatchObject({ cron: "5 0 * * *", schedule: "At 00:05 (UTC)", runCount: 1, lastRun: { id: runId, status: "succeeded", startedBy: admin.username } });
    expect(snapshot.lastRun!.message).toMatch(/^Snapshot for \d{4}-\d{2}-\d{2}: /);
    expect(snapshot.nextRunAt.getUTCHours() * 60 + snapshot.nextRunAt.getUTCMinutes()).toBe(5);
    expect(snapshot.nextRunAt.getTime()).toBeGreaterThan(Date.now());
    expect(items.find((task) => task.name === "roll-up-downloads")).toMatchObject({ schedule: "Every 15 minutes (UTC)", runCount: 0, lastRun: null });
    await expect(jobService.runPeriodicTask(db, admin.actor, { name: "deliver-email" })).rejects.toThrow("There is no periodic task named deliver-email.");
  });
});

describe("a worker", () => {
  const workers: EmbeddedWorker[] = [];
  afterEach(async () => {
    while (workers.length) await workers.pop()!.stop({ graceMs: 2000 });
  });

  function startWorker(overrides: Partial<ConstructorParameters<typeof EmbeddedWorker>[0]> = {}) {
    const worker = new EmbeddedWorker({
      databaseUrl: testDatabaseUrl(),
      db,
      definitions: testJobs,
      queues: ["high", "default", "low"],
      concurrency: 2,
      // A long poll: the test passes only if the worker is woken by the enqueue itself.
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

  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let tries = 0; tries < 300; tries++) {
      const value = await read();
      if (done(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Still waiting; last value: ${JSON.stringify(await read())}`);
  }

  it("registers itself, runs what is queued as soon as it is queued, and says when it stops", async () => {
    const admin = await createSiteAdmin(db);
    const worker = startWorker();
    await worker.start();
    const { runId } = await enqueue(db, echoJob, { word: "soon" });
    await waitFor(() => run(runId), (row) => row.status === "succeeded");
    expect(await run(runId)).toMatchObject({ workerId: worker.id, workerLabel: worker.label, attempts: 1 });
    const { items } = await jobService.listWorkers(db, admin.actor);
    expect(items).toEqual([expect.objectContaining({ id: worker.id, state: "live", queues: ["high", "default", "low"], concurrency: 2, running: [] })]);
    await worker.stop();
    expect((await jobService.listWorkers(db, admin.actor)).items[0]).toMatchObject({ id: worker.id, state: "stopped" });
  });

  it("shows the run it runs now, and stops it when an administrator cancels it", async () => {
    const admin = await createSiteAdmin(db);
    const worker = startWorker({ definitions: [{ ...(slowJob as unknown as AnyJobDefinition), timeoutSeconds: 30 }] });
    await worker.start();
    const { runId } = await enqueue(db, slowJob, {});
    await waitFor(() => jobService.listWorkers(db, admin.actor), ({ items }) => items[0]?.running.length === 1);
    expect((await jobService.listWorkers(db, admin.actor)).items[0]!.running).toEqual([expect.objectContaining({ runId, jobName: "test-slow" })]);
    await jobService.cancelRun(db, admin.actor, { id: runId });
    await waitFor(async () => worker.runningRunIds(), (ids) => ids.length === 0);
    expect(await run(runId)).toMatchObject({ status: "cancelled" });
  });

  it("marks a worker that stopped beating as lost and hands its running run to the retry policy", async () => {
    const admin = await createSiteAdmin(db);
    const { runId } = await enqueue(db, flakyJob, { succeedOn: 1 });
    // A worker that took the job and then died: its row stopped beating two minutes ago.
    const boss = await testBoss();
    const [fetched] = await boss.fetch(flakyJob.id, { batchSize: 1 });
    expect(fetched!.id).toBe(runId);
    await db.execute(sql`insert into job_workers (id, host, pid, queues, concurrency, driver, last_heartbeat_at)
      values ('11111111-1111-4111-8111-111111111111', 'gone', 4242, '{high}', 1, 'embedded', now() - interval '2 minutes')`);
    await db.execute(sql`update job_runs set status = 'running', attempts = 1, worker_id = '11111111-1111-4111-8111-111111111111',
      started_at = now() where id = ${runId}::uuid`);
    expect((await jobService.listWorkers(db, admin.actor)).items[0]).toMatchObject({ state: "lost" });

    const worker = startWorker();
    await worker.start();
    await waitFor(() => run(runId), (row) => row.status === "retrying");
    expect((await run(runId)).error).toMatch(/stopped beating/);
    expect(await bossJob(runId)).toMatchObject({ state: "retry" });
  });

  it("restarts when an administrator asks: the old worker stops and a fresh one takes over", async () => {
    const admin = await createSiteAdmin(db);
    let replacement: EmbeddedWorker | undefined;
    const worker = startWorker({
      onRestartRequested: (old) => {
        void old.stop().then(async () => {
          replacement = startWorker();
          await replacement.start();
        });
      },
    });
    await worker.start();
    await expect(jobService.restartWorkers(db, admin.actor)).resolves.toEqual({ workers: 1 });
    await waitFor(async () => (await jobService.listWorkers(db, admin.actor)).items, (items) => items.some((item) => item.state === "live" && item.id !== worker.id));
    const { items } = await jobService.listWorkers(db, admin.actor);
    expect(items.find((item) => item.id === worker.id)).toMatchObject({ state: "stopped" });
    const { runId } = await enqueue(db, echoJob, { word: "after" });
    await waitFor(() => run(runId), (row) => row.status === "succeeded");
    expect((await run(runId)).workerId).toBe(replacement!.id);
  });
});

describe("a worker's fetch", () => {
  it("reads its queue through pg-boss's index of pending jobs, even when the statistics say every job is pending", async () => {
    // The worker's statements keep the plan of their first execution: one fixed while a backlog filled the queue
    // would otherwise read the whole partition on every fetch, finished jobs and all.
    const connection = connectDatabase(testDatabaseUrl(), { max: 1, genericPlans: true });
    let plan = "";
    try {
      // In a transaction rolled back at the end, so that neither the rows nor their statistics stay.
      await connection.db
        .transaction(async (tx) => {
          await tx.execute(sql`
            insert into pgboss.job (name, data, start_after)
            select ${echoJob.id}, '{}'::jsonb, now() - interval '1 minute' from generate_series(1, 3000)`);
          await tx.execute(sql`analyze pgboss.job`);
          const rows = await tx.execute<{ "QUERY PLAN": string }>(sql`explain ${fetchStatement({ queues: [echoJob.id], limit: 4 })}`);
          plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
          tx.rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof TransactionRollbackError)) throw error;
        });
    } finally {
      await connection.close();
    }
    expect(plan).toMatch(/Index Scan|Index Only Scan|Bitmap Index Scan/);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
