/**
 * The database a test file works on: one database per Vitest worker, cloned from the migrated template that
 * src/test/global-setup.ts prepared, and emptied before every test. The ORM is never mocked.
 */
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, inject } from "vitest";
import { env } from "@/env";
import { connectDatabase, type Db } from "@/server/db/client";

interface WorkerDatabase {
  /** The server's maintenance database, from which databases are created. */
  serverUrl: string;
  templateName: string;
  name: string;
  url: string;
}

function workerDatabase(): WorkerDatabase {
  const templateUrl = new URL(inject("templateDatabaseUrl"));
  // The pool id is stable for a worker slot (1..maxWorkers): the files a worker runs one after another share
  // its database, and no two files running at the same time ever do.
  const name = `granary_w${env.VITEST_POOL_ID ?? "1"}`;
  const withDatabase = (database: string) => {
    const url = new URL(templateUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  return {
    serverUrl: withDatabase("postgres"),
    templateName: decodeURIComponent(templateUrl.pathname.slice(1)),
    name,
    url: withDatabase(name),
  };
}

const duplicateDatabase = "42P04";

async function createWorkerDatabase({ serverUrl, templateName, name }: WorkerDatabase): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    // With isolated test files each file arrives in a fresh module, so the database may exist already.
    const [existing] = await admin`SELECT 1 AS found FROM pg_database WHERE datname = ${name}`;
    if (existing) return;
    await admin`CREATE DATABASE ${admin(name)} TEMPLATE ${admin(templateName)} STRATEGY FILE_COPY`.simple();
  } catch (error) {
    if ((error as { code?: unknown }).code !== duplicateDatabase) throw error;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Every application table, read from the catalogue so that tables added by later migrations are emptied too, and
 * pg-boss's jobs (its queues and schedules stay: the template prepared them).
 */
async function truncateStatement(db: Db): Promise<string | null> {
  const rows = await db.execute<{ schemaname: string; tablename: string }>(
    sql`SELECT schemaname, tablename FROM pg_tables
        WHERE schemaname = 'public' OR (schemaname = 'pgboss' AND tablename IN ('job', 'archive'))
        ORDER BY schemaname, tablename`,
  );
  const tables = rows.map((row) => `"${row.schemaname}"."${row.tablename.replaceAll('"', '""')}"`);
  return tables.length ? `TRUNCATE TABLE ${tables.join(", ")} RESTART IDENTITY CASCADE` : null;
}

/**
 * Reference rows that migrations ship (the plans): emptied with everything else and put back, so that a test that
 * edits them leaves the next test the shipped ones.
 */
const shippedRows = fs.readFileSync(path.resolve(process.cwd(), "drizzle", "0005_shipped_plans.sql"), "utf8");

let workerDatabaseReady: Promise<void> | undefined;
let currentDatabase: Db | undefined;

/** The address of this worker's database, for code under test that opens connections of its own. */
export function testDatabaseUrl(): string {
  return workerDatabase().url;
}

/**
 * Takes an ACCESS EXCLUSIVE lock on a table in a transaction of its own, so that any query on the table waits:
 * a way to hold a query in flight for as long as a test needs. Resolves once the lock is held, with the function
 * that releases it (call it in a finally block).
 */
export async function lockTable(db: Db, table: PgTable): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = db.transaction(async (tx) => {
    await tx.execute(sql`lock table ${table} in access exclusive mode`);
    locked();
    await released;
  });
  await Promise.race([isLocked, holder]);
  return async () => {
    release();
    await holder;
  };
}

/** The database of the test file that called setUpTestDatabase(); helpers such as callerFor default to it. */
export function testDatabase(): Db {
  if (!currentDatabase) throw new Error("Call setUpTestDatabase() at the top of the test file first.");
  return currentDatabase;
}

/**
 * Connects the test file to its worker's database and empties every table before each test.
 * Call it once at the top level of a test file: `const db = setUpTestDatabase();`.
 */
export function setUpTestDatabase(): Db {
  const database = workerDatabase();
  // postgres.js connects on the first query, which comes after beforeAll has created the database.
  const connection = connectDatabase(database.url, { max: 4 });
  let truncate: Promise<string | null> | undefined;
  currentDatabase = connection.db;

  beforeAll(async () => {
    workerDatabaseReady ??= createWorkerDatabase(database);
    await workerDatabaseReady;
  });
  beforeEach(async () => {
    truncate ??= truncateStatement(connection.db);
    const statement = await truncate;
    if (statement) await connection.db.execute(sql.raw(`${statement};\n${shippedRows}`));
  });
  afterAll(async () => {
    if (currentDatabase === connection.db) currentDatabase = undefined;
    await connection.close();
  });
  return connection.db;
}

/**
 * A second database beside the worker's, cloned from the same migrated template, for tests that need two Granary
 * instances in one process (a transfer of applications from one to the other). Call it in a test file that called
 * setUpTestDatabase(); `drop()` closes its connections and removes it.
 */
export async function createSecondTestDatabase(suffix: string): Promise<{ db: Db; url: string; drop(): Promise<void> }> {
  const worker = workerDatabase();
  const name = `${worker.name}_${suffix.replace(/[^a-z0-9_]/g, "_")}`;
  const admin = postgres(worker.serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`.simple();
    await admin`CREATE DATABASE ${admin(name)} TEMPLATE ${admin(worker.templateName)} STRATEGY FILE_COPY`.simple();
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(worker.url);
  url.pathname = `/${name}`;
  const connection = connectDatabase(url.toString(), { max: 4 });
  return {
    db: connection.db,
    url: url.toString(),
    async drop() {
      await connection.close();
      const dropper = postgres(worker.serverUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper`DROP DATABASE IF EXISTS ${dropper(name)} WITH (FORCE)`.simple();
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
