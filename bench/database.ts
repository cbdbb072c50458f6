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
 *   npx tsx bench/database.ts bump <database-url> <owner>
 *     moves the owner's channel revision, as any upload does, so Granary's cached indexes go stale and the
 *     next request rebuilds them: this times a cold-cache generation in a warm process.
 */
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
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      log(`${signal}: stopping PostgreSQL.`);
      await server.stop().catch((error: unknown) => log(`stopping PostgreSQL failed: ${String(error)}`));
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
} else if (command === "bump" && args.length === 2) {
  bump(args[0]!, args[1]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  console.error("usage: tsx bench/database.ts serve <work-dir> <owner> <password> | transactions <database-url> | bump <database-url> <owner>");
  process.exit(2);
}
