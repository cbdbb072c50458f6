/**
 * The benchmark's PostgreSQL, run by bench/run.sh:
 *
 *   npx tsx bench/database.ts serve <work-dir> <owner> <password>
 *     starts an embedded PostgreSQL under <work-dir>/postgres, applies the migrations, seeds the channel
 *     (bench/seed.ts), writes <work-dir>/database.env (DATABASE_URL=...) and keeps running until SIGTERM or
 *     SIGINT, when it stops PostgreSQL.
 *
 *   npx tsx bench/database.ts transactions <database-url>
 *     prints how many transactions the database has committed or rolled back so far (PostgreSQL's statistics,
 *     which lag up to a second behind), to count the queries a measured run made.
 *
 *   npx tsx bench/database.ts restart <work-dir> <outage-seconds>
 *     restarts the PostgreSQL that `serve` runs (the soak section's fault): a fast shutdown, the outage, then the same
 *     server command line again (its postmaster.opts), and prints one JSON line with the moments it stopped, was
 *     started and accepted connections again. `serve` then stops the new server when it is told to stop.
 *
 *   npx tsx bench/database.ts seed-small <database-url> <owner> <password>
 *     adds a second owner with a small channel, as most private channels are: 120 noarch conda records (a
 *     repodata.json of about 10 KB gzip) and a PyPI project of 5 files, for run.sh's small section.
 *
 *   npx tsx bench/database.ts bump <database-url> <owner>
 *     moves the owner's channel revision, as any upload does, so Granary's cached indexes go stale and the
 *     next request rebuilds them: this times a cold-cache generation in a warm process.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { connectDatabase } from "../src/server/db/client";
import { startEmbeddedPostgres } from "../src/server/db/embedded";
import { applyMigrations } from "../src/server/db/migrate";
import { channelRevisions, users } from "../src/server/db/schema";
import { seedBenchmarkData } from "./seed";

const log = (message: string) => console.log(`[bench database] ${message}`);

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function serve(workDirectory: string, owner: string, password: string): Promise<void> {
  const started = Date.now();
  const server = await startEmbeddedPostgres({
    directory: path.join(workDirectory, "postgres"),
    password: `bench-${process.pid}-${started}`,
    log,
  });
  const directory = path.join(workDirectory, "postgres");
  const startedPostmaster = postmasterPid(directory);
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log(`${signal}: stopping PostgreSQL.`);
      const current = postmasterPid(directory);
      if (current !== null && current !== startedPostmaster) {
        // `restart` replaced the server this process started: stop that one (fast shutdown).
        process.kill(current, "SIGINT");
        await waitForExit(current, 60_000);
      } else {
        await server.stop().catch((error: unknown) => log(`stopping PostgreSQL failed: ${String(error)}`));
      }
      process.exit(0);
    })();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  try {
    const databaseUrl = await createDatabase(server.url, "granary");
    await applyMigrations(databaseUrl);
    log(`PostgreSQL on port ${server.port}, migrated in ${Date.now() - started} ms; seeding...`);
    const seedStarted = Date.now();
    const { db, close } = connectDatabase(databaseUrl, { max: 2 });
    try {
      const summary = await seedBenchmarkData(db, {
        owner,
        password,
        condaSubdir: "linux-64",
        condaFiles: 10_000,
        pypiProject: "granary-bench-client",
        pypiFiles: 500,
      });
      log(
        `Seeded ${summary.condaFiles} conda files (${summary.condaPackages} packages, linux-64) and ${summary.pypiFiles} PyPI files ` +
          `in ${Date.now() - seedStarted} ms.`,
      );
    } finally {
      await close();
    }
    fs.writeFileSync(path.join(workDirectory, "database.env"), `DATABASE_URL=${databaseUrl}\n`, { mode: 0o600 });
    log("ready");
  } catch (error) {
    console.error(`[bench database] ${error instanceof Error ? error.stack : String(error)}`);
    await server.stop().catch(() => {});
    process.exit(1);
  }
  // Stay alive (the signal handlers end the process).
  setInterval(() => {}, 60_000);
}

function postmasterPid(directory: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(directory, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL ${pid} did not stop within ${timeoutMs / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function restart(workDirectory: string, outageSeconds: number): Promise<void> {
  const directory = path.join(workDirectory, "postgres");
  const pid = postmasterPid(directory);
  if (pid === null || !isAlive(pid)) throw new Error(`No PostgreSQL runs in ${directory}.`);
  // postmaster.opts: the running server's command line, each argument after the program in double quotes.
  const commandLine = fs.readFileSync(path.join(directory, "postmaster.opts"), "utf8").trim();
  const program = commandLine.split(" ", 1)[0]!;
  const args = [...commandLine.slice(program.length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!);
  const databaseUrl = fs.readFileSync(path.join(workDirectory, "database.env"), "utf8").replace(/^DATABASE_URL=/, "").trim();
  // The server runs as the cluster's owner (the postgres account when the benchmark runs as root).
  const { uid, gid } = fs.statSync(directory);

  const stopRequestedAt = Date.now();
  process.kill(pid, "SIGINT");
  await waitForExit(pid, 60_000);
  const stoppedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, outageSeconds * 1000));
  const output = fs.openSync(path.join(workDirectory, "postgres-restarted.log"), "a");
  const child = spawn(program, args, { uid, gid, detached: true, stdio: ["ignore", output, output] });
  child.unref();
  const startedAt = Date.now();
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    for (const deadline = Date.now() + 60_000; ; ) {
      try {
        await client`select 1`;
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    await client.end({ timeout: 5 });
  }
  console.log(JSON.stringify({ stop_requested_at: stopRequestedAt, stopped_at: stoppedAt, started_at: startedAt, ready_at: Date.now(), outage_seconds: outageSeconds }));
}

async function bump(databaseUrl: string, owner: string): Promise<void> {
  const { db, close } = connectDatabase(databaseUrl, { max: 1 });
  try {
    const [user] = await db.select({ id: users.id }).from(users).where(eq(users.username, owner));
    if (!user) throw new Error(`No user ${owner}.`);
    await db
      .update(channelRevisions)
      .set({ revision: sql`${channelRevisions.revision} + 1`, updatedAt: new Date() })
      .where(eq(channelRevisions.ownerId, user.id));
  } finally {
    await close();
  }
}

async function seedSmall(databaseUrl: string, owner: string, password: string): Promise<void> {
  const { db, close } = connectDatabase(databaseUrl, { max: 2 });
  try {
    const summary = await seedBenchmarkData(db, { owner, password, condaSubdir: "noarch", condaFiles: 120, pypiProject: "granary-bench-small", pypiFiles: 5 });
    log(`Seeded ${summary.condaFiles} conda files (${summary.condaPackages} packages, noarch) and ${summary.pypiFiles} PyPI files for ${owner}.`);
  } finally {
    await close();
  }
}

async function transactions(databaseUrl: string): Promise<void> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await client<{ total: string }[]>`select sum(xact_commit + xact_rollback)::text as total from pg_stat_database where datname = current_database()`;
    console.log(row?.total ?? "0");
  } finally {
    await client.end({ timeout: 5 });
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === "serve" && args.length === 3) {
  void serve(args[0]!, args[1]!, args[2]!);
} else if (command === "transactions" && args.length === 1) {
  transactions(args[0]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (command === "restart" && args.length === 2) {
  restart(args[0]!, Number(args[1])).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (command === "seed-small" && args.length === 3) {
  seedSmall(args[0]!, args[1]!, args[2]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (command === "bump" && args.length === 2) {
  bump(args[0]!, args[1]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  console.error(
    "usage: tsx bench/database.ts serve <work-dir> <owner> <password> | transactions <database-url> | restart <work-dir> <outage-seconds> | seed-small <database-url> <owner> <password> | bump <database-url> <owner>",
  );
  process.exit(2);
}
