/**
 * Background-job benchmark (a section of bench/run.sh): Granary's job layer against pg-boss alone, on the same
 * database with the same settings (queue options, batch size = concurrency, poll interval).
 *
 *   npx tsx bench/jobs.ts run <database-url> <results-dir>
 *
 * - Enqueue to start: jobs queued one at a time (every 25 ms) while one worker process waits; the delay from a job's
 *   creation to its start is read from pg-boss's own timestamps (created_on, started_on), for both sides.
 * - Throughput: a backlog of no-op jobs is queued first, then one or two worker processes drain it; jobs per second
 *   from the first start to the last completion (pg-boss's timestamps again).
 *
 * Throughput is also counted in CPU: the CPU time the worker processes and PostgreSQL's processes used per job,
 * read from /proc. This machine's other work (test runs of other checkouts) moves the wall-clock rates by a factor of
 * two or more from one run to the next; the CPU a job costs moves far less, and it is what bounds the throughput of a
 * machine whose cores are busy.
 *
 * "pg-boss alone" is the same worker loop on pg-boss's own calls (fetch a batch, run, complete it), without Granary's
 * layer: no jobs-table mirror, no log lines, no heartbeat, no wake-up notifications. Granary's worker is its embedded
 * worker (src/server/jobs/embedded/worker.ts) serving a no-op job definition. Each worker is a process of its own
 * (`tsx bench/jobs.ts worker granary|raw <database-url> <concurrency>`), as `npm run worker` is.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import { z } from "zod";
import { exportToEnvironment } from "../src/env";
import { connectDatabase } from "../src/server/db/client";
import { createOutboxTransport } from "../src/server/email/transports";
import { defineJob, type AnyJobDefinition } from "../src/server/jobs/definition";
import { createBoss, prepareJobStorage, queueOptions } from "../src/server/jobs/embedded/boss";
import { EmbeddedWorker } from "../src/server/jobs/embedded/worker";
import { enqueue } from "../src/server/jobs/enqueue";
import { BlobStore } from "../src/server/storage";

const concurrency = 4;
const pollSeconds = 2;
const latencyJobs = 300;
const backlogJobs = 3000;
/** Throughput rounds per worker count (`run <url> <dir> <rounds>`); each round measures both sides, in turn. */
const throughputRounds = Number(process.argv[5] ?? 0) || 5;

const noopJob = defineJob({
  id: "bench-noop",
  description: "Does nothing (benchmark)",
  input: z.object({ n: z.number().int() }),
  priority: "default",
  retries: { limit: 2, delaySeconds: 1, backoff: false },
  timeoutSeconds: 60,
  async run() {
    return null;
  },
});
const rawQueue = "bench-raw-noop";
const definitions = [noopJob as unknown as AnyJobDefinition];

const log = (message: string) => console.error(`[bench jobs] ${message}`);

// ------------------------------------------------------------------------------------------------ workers
async function granaryWorker(databaseUrl: string, workerConcurrency: number): Promise<void> {
  const { db } = connectDatabase(databaseUrl, { max: 4 });
  const worker = new EmbeddedWorker({
    databaseUrl,
    db,
    definitions,
    queues: ["high", "default", "low"],
    concurrency: workerConcurrency,
    pollIntervalMs: pollSeconds * 1000,
    heartbeatMs: 5000,
    lostAfterMs: 30_000,
    dependencies: { db, mailer: createOutboxTransport(), blobs: new BlobStore("/tmp/granary-bench-blobs") },
    log,
  });
  await worker.start();
  console.log("ready");
  process.once("SIGTERM", () => void worker.stop({ graceMs: 1000 }).then(() => process.exit(0)));
}

/** pg-boss alone: the same loop on its own calls. */
async function rawWorker(databaseUrl: string, workerConcurrency: number): Promise<void> {
  const boss = createBoss(databaseUrl, { schedule: false, supervise: false });
  boss.on("error", (error: Error) => log(error.message));
  await boss.start();
  let stopping = false;
  process.once("SIGTERM", () => {
    stopping = true;
  });
  console.log("ready");
  while (!stopping) {
    const jobs = await boss.fetch(rawQueue, { batchSize: workerConcurrency });
    if (jobs.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
      continue;
    }
    await Promise.all(jobs.map(async () => null));
    await boss.complete(rawQueue, jobs.map((job) => job.id));
  }
  await boss.stop({ graceful: false });
  process.exit(0);
}

// ------------------------------------------------------------------------------------------------ driver
function startWorker(kind: "granary" | "raw", databaseUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", __filename, "worker", kind, databaseUrl, String(concurrency)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`a ${kind} worker exited (${code})`)));
  });
}

/** Clock ticks (1/100 s) of user and system time a process has used. */
function cpuTicks(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** The PostgreSQL server's processes: the postmaster (from its lock file) and its children. */
async function postgresPids(db: Db): Promise<number[]> {
  const [row] = await db.execute<{ setting: string }>(sql`select setting from pg_settings where name = 'data_directory'`);
  const postmaster = Number(fs.readFileSync(path.join(row!.setting, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]) === postmaster;
      } catch {
        return false;
      }
    });
  return [postmaster, ...children];
}

/** Each PostgreSQL process's ticks so far, by pid. */
async function postgresTicks(db: Db): Promise<Map<number, number>> {
  return new Map((await postgresPids(db)).map((pid) => [pid, cpuTicks(pid)]));
}

/** What the processes alive at the end used since `before` (backends that exited meanwhile, idle ones, are lost). */
function ticksSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ticks] of after) total += ticks - (before.get(pid) ?? 0);
  return total;
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.removeAllListeners("exit");
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}

type Db = ReturnType<typeof connectDatabase>["db"];

async function timings(db: Db, queue: string, since: Date) {
  return db.execute<{ wait_ms: number; started_on: Date; completed_on: Date | null }>(sql`
    select extract(epoch from started_on - created_on) * 1000 as wait_ms, started_on, completed_on from (
      select created_on, started_on, completed_on from pgboss.job where name = ${queue} and created_on >= ${since.toISOString()}::timestamptz
      union all
      select created_on, started_on, completed_on from pgboss.archive where name = ${queue} and created_on >= ${since.toISOString()}::timestamptz
    ) as jobs`);
}

async function waitForCompletion(db: Db, queue: string, since: Date, count: number): Promise<void> {
  for (;;) {
    const [row] = await db.execute<{ done: number }>(sql`
      select count(*)::int as done from pgboss.job where name = ${queue} and created_on >= ${since.toISOString()}::timestamptz and state = 'completed'`);
    if ((row?.done ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
};

async function enqueueOne(kind: "granary" | "raw", db: Db, sender: PgBoss, n: number): Promise<void> {
  if (kind === "granary") await enqueue(db, noopJob, { n });
  else await sender.send(rawQueue, { n });
}

/**
 * Every measurement starts from the same state: earlier rounds' jobs deleted and the tables vacuumed. A queue's
 * fetch walks pg-boss's index of pending jobs, whose entries for jobs already taken stay until a vacuum removes them;
 * left to autovacuum, thousands of such entries from earlier rounds made one side's fetches several times dearer than
 * the other's, depending only on when the vacuum last ran.
 */
async function freshQueues(db: Db): Promise<void> {
  await db.execute(sql`delete from pgboss.job where name in (${noopJob.id}, ${rawQueue})`);
  await db.execute(sql`delete from job_runs where job_name = ${noopJob.id}`);
  await db.execute(sql`vacuum analyze pgboss.job`);
  await db.execute(sql`vacuum analyze job_runs`);
  await db.execute(sql`vacuum analyze job_run_logs`);
}

async function measureLatency(kind: "granary" | "raw", databaseUrl: string, db: Db, sender: PgBoss) {
  const queue = kind === "granary" ? noopJob.id : rawQueue;
  await freshQueues(db);
  const workers = [await startWorker(kind, databaseUrl)];
  const since = new Date(Date.now() - 1000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let n = 0; n < latencyJobs; n++) {
    await enqueueOne(kind, db, sender, n);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await waitForCompletion(db, queue, since, latencyJobs);
  await stopWorkers(workers);
  const waits = (await timings(db, queue, since)).map((row) => Number(row.wait_ms));
  return { jobs: waits.length, p50_ms: quantile(waits, 0.5), p90_ms: quantile(waits, 0.9), p99_ms: quantile(waits, 0.99), max_ms: Math.max(...waits) };
}

async function measureThroughput(kind: "granary" | "raw", workerCount: number, databaseUrl: string, db: Db, sender: PgBoss) {
  const queue = kind === "granary" ? noopJob.id : rawQueue;
  await freshQueues(db);
  const since = new Date(Date.now() - 1000);
  // The backlog first: in batches, each side through its own way of queueing.
  for (let start = 0; start < backlogJobs; start += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, index) => enqueueOne(kind, db, sender, start + index)));
  }
  const workers = await Promise.all(Array.from({ length: workerCount }, () => startWorker(kind, databaseUrl)));
  // Counted from the moment the workers serve (their start-up, tsx compiling and module loading, is left out).
  const workerTicksBefore = workers.reduce((sum, child) => sum + cpuTicks(child.pid!), 0);
  const postgresTicksBefore = await postgresTicks(db);
  await waitForCompletion(db, queue, since, backlogJobs);
  const workerTicks = workers.reduce((sum, child) => sum + cpuTicks(child.pid!), 0) - workerTicksBefore;
  const databaseTicks = ticksSince(postgresTicksBefore, await postgresTicks(db));
  await stopWorkers(workers);
  const rows = await timings(db, queue, since);
  const first = Math.min(...rows.map((row) => new Date(row.started_on).getTime()));
  const last = Math.max(...rows.map((row) => new Date(row.completed_on!).getTime()));
  return {
    jobs: rows.length,
    workers: workerCount,
    seconds: (last - first) / 1000,
    jobs_per_second: rows.length / ((last - first) / 1000),
    worker_cpu_ms_per_job: (workerTicks * 10) / rows.length,
    database_cpu_ms_per_job: (databaseTicks * 10) / rows.length,
  };
}

/** The queues both sides use, a sender for pg-boss alone and a pool; `measure` runs with them, and they are closed after. */
async function withBenchmarkQueues<T>(databaseUrl: string, measure: (db: Db, sender: PgBoss) => Promise<T>): Promise<T> {
  // Secret fields are sealed under AUTH_SECRET; the no-op job has none, but the module insists on a secret.
  exportToEnvironment({ AUTH_SECRET: "bench-jobs-secret", DATABASE_URL: databaseUrl });
  await prepareJobStorage(databaseUrl, definitions);
  const sender = createBoss(databaseUrl, { schedule: false, supervise: false });
  sender.on("error", () => {});
  await sender.start();
  await sender.createQueue(rawQueue, { ...queueOptions(noopJob as unknown as AnyJobDefinition), name: rawQueue });
  const { db, close } = connectDatabase(databaseUrl, { max: 8 });
  try {
    return await measure(db, sender);
  } finally {
    await close();
    await sender.stop({ graceful: false });
  }
}

async function run(databaseUrl: string, resultsDirectory: string): Promise<void> {
  const results = await withBenchmarkQueues(databaseUrl, async (db, sender) => {
    const figures: Record<string, unknown> = {
      concurrency,
      poll_seconds: pollSeconds,
      latency_jobs: latencyJobs,
      backlog_jobs: backlogJobs,
      rounds: throughputRounds,
    };
    for (const kind of ["raw", "granary"] as const) {
      log(`enqueue to start, ${kind}: ${latencyJobs} jobs, one every 25 ms, one worker`);
      figures[`latency_${kind}`] = await measureLatency(kind, databaseUrl, db, sender);
      log(`    ${JSON.stringify(figures[`latency_${kind}`])}`);
    }
    // Rounds of both sides back to back, the order alternating, so that the machine's drift favours neither: each
    // round's ratio compares runs seconds apart.
    for (const workers of [1, 2]) {
      for (let round = 1; round <= throughputRounds; round++) {
        for (const kind of round % 2 === 1 ? (["raw", "granary"] as const) : (["granary", "raw"] as const)) {
          log(`throughput, ${kind}, ${workers} worker(s), round ${round}: ${backlogJobs} no-op jobs`);
          const figure = await measureThroughput(kind, workers, databaseUrl, db, sender);
          figures[`throughput_${kind}_${workers}_${round}`] = figure;
          log(
            `    ${figure.jobs_per_second.toFixed(0)} jobs/s; CPU per job ${figure.worker_cpu_ms_per_job.toFixed(3)} ms in workers, ` +
              `${figure.database_cpu_ms_per_job.toFixed(3)} ms in PostgreSQL`,
          );
        }
      }
    }
    return figures;
  });
  fs.writeFileSync(path.join(resultsDirectory, "jobs.json"), `${JSON.stringify(results, null, 2)}\n`);
}

async function once(kind: "granary" | "raw", workers: number, databaseUrl: string): Promise<void> {
  const figure = await withBenchmarkQueues(databaseUrl, (db, sender) => measureThroughput(kind, workers, databaseUrl, db, sender));
  console.log(JSON.stringify(figure));
}

const [command, ...args] = process.argv.slice(2);
if (command === "worker" && (args[0] === "granary" || args[0] === "raw") && args[1]) {
  exportToEnvironment({ AUTH_SECRET: "bench-jobs-secret", DATABASE_URL: args[1] });
  const workerConcurrency = Number(args[2] ?? concurrency);
  void (args[0] === "granary" ? granaryWorker(args[1], workerConcurrency) : rawWorker(args[1], workerConcurrency));
} else if (command === "once" && (args[0] === "granary" || args[0] === "raw") && args[1] && args[2]) {
  // One throughput measurement (`once granary|raw <workers> <database-url>`), for profiling one side alone.
  once(args[0], Number(args[1]), args[2]).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else if (command === "run" && args.length >= 2) {
  run(args[0]!, args[1]!).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  console.error("usage: tsx bench/jobs.ts run <database-url> <results-dir> | worker granary|raw <database-url> <concurrency>");
  process.exit(2);
}
