/**
 * One embedded PostgreSQL server per test run, with the migrations applied once to a template database that
 * every worker clones (see src/test/db.ts). Cloning a migrated template is far faster than migrating per worker.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { generateDatabasePassword, startEmbeddedPostgres, type EmbeddedServer } from "@/server/db/embedded";
import { applyMigrations } from "@/server/db/migrate";
import { prepareJobStorage } from "@/server/jobs/embedded/boss";
import { jobDefinitions } from "@/server/jobs/registry";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated template database; workers clone it and never connect to it. */
    templateDatabaseUrl: string;
  }
}

const templateDatabaseName = "granary_template";

function dataFolderForThisRun(): string {
  // A RAM-backed folder makes initdb and the per-worker clones several times faster.
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  return path.join(base, `granary-vitest-${process.pid}-${randomBytes(4).toString("hex")}`);
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function createTemplate(serverUrl: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`CREATE DATABASE ${admin(templateDatabaseName)}`.simple();
    const templateUrl = databaseUrl(serverUrl, templateDatabaseName);
    await applyMigrations(templateUrl);
    await prepareJobStorage(templateUrl, jobDefinitions);
    // CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template: refuse connections for good.
    await admin`ALTER DATABASE ${admin(templateDatabaseName)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`.simple();
    await admin`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = ${templateDatabaseName} AND pid <> pg_backend_pid()`;
    return templateUrl;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const directory = dataFolderForThisRun();
  let server: EmbeddedServer | undefined;
  const teardown = async () => {
    try {
      await server?.stop();
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  };
  try {
    server = await startEmbeddedPostgres({
      directory,
      password: generateDatabasePassword(),
      disposable: true,
      // Only PostgreSQL's own errors: progress messages would clutter every run's output.
      log: (message) => {
        if (message.startsWith("postgres:")) console.error(`[test database] ${message}`);
      },
    });
    project.provide("templateDatabaseUrl", await createTemplate(server.url));
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
