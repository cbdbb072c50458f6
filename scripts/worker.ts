/**
 * `npm run worker` (or `granary worker`): a job worker on its own, so job capacity grows apart from web servers.
 *
 * It finds the database the way the launcher does: DATABASE_URL, or else the embedded PostgreSQL that `npm start`
 * runs on this machine under DATA_DIR (its port from PostgreSQL's lock file, its password and the session secret
 * from DATA_DIR/secrets.json). JOBS_QUEUES picks the queues it serves (e.g. JOBS_QUEUES=low for a worker that only
 * takes the heavy jobs), JOBS_CONCURRENCY how many jobs it runs at once. Ctrl-C (SIGINT) or SIGTERM lets running
 * jobs finish (up to 30 s, then they are handed back to the queue) and stops.
 */
import fs from "node:fs";
import path from "node:path";
import { env, exportToEnvironment, jobsDriver } from "../src/env";
import { connectDatabase } from "../src/server/db/client";
import { startJobRuntime } from "../src/server/jobs/runtime";
import { errorContext, SystemLogger } from "../src/server/logging/logger";

const systemLog = new SystemLogger();
const log = (message: string) => void systemLog.info("startup_info", message, { process: "worker", pid: process.pid });

interface LocalSecrets {
  authSecret: string;
  databasePassword: string;
}

function embeddedDatabaseUrl(dataDirectory: string, secrets: LocalSecrets): string {
  const lockFile = path.join(dataDirectory, "postgres", "postmaster.pid");
  if (!fs.existsSync(lockFile)) {
    throw new Error(`No embedded PostgreSQL runs under ${dataDirectory}: start Granary with \`npm start\` first, or set DATABASE_URL.`);
  }
  // postmaster.pid: pid, data directory, start time, port, ...
  const port = Number.parseInt(fs.readFileSync(lockFile, "utf8").split("\n")[3] ?? "", 10);
  if (!Number.isInteger(port)) throw new Error(`Cannot read the embedded PostgreSQL's port from ${lockFile}.`);
  return `postgres://postgres:${encodeURIComponent(secrets.databasePassword)}@127.0.0.1:${port}/granary`;
}

async function main(): Promise<void> {
  if (jobsDriver() === "inngest") {
    throw new Error("Jobs are configured to run on Inngest (INNGEST_* is set): the Inngest server calls the app servers, no worker is needed.");
  }
  const dataDirectory = path.resolve(env.DATA_DIR);
  const secretsFile = path.join(dataDirectory, "secrets.json");
  const secrets = fs.existsSync(secretsFile) ? (JSON.parse(fs.readFileSync(secretsFile, "utf8")) as LocalSecrets) : undefined;
  const databaseUrl = env.DATABASE_URL ?? (secrets ? embeddedDatabaseUrl(dataDirectory, secrets) : undefined);
  if (!databaseUrl) throw new Error(`Set DATABASE_URL, or run the worker beside \`npm start\` (it reads ${secretsFile}).`);
  const authSecret = env.AUTH_SECRET ?? secrets?.authSecret;
  if (!authSecret) throw new Error("Set AUTH_SECRET to the app servers' value: it opens the sealed fields of queued jobs.");
  exportToEnvironment({
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: authSecret,
    FILES_DIR: path.resolve(env.FILES_DIR ?? path.join(dataDirectory, "files")),
  });

  const { db, close } = connectDatabase(databaseUrl, { max: Math.max(4, env.JOBS_CONCURRENCY + 2) });
  await systemLog.attach(db);
  const runtime = await startJobRuntime({ databaseUrl, db, worker: true, log });
  log(`Running (pid ${process.pid}); Ctrl-C stops it.`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: letting running jobs finish.`);
    await runtime.stop().catch((error: unknown) => log(`stopping failed: ${String(error)}`));
    await close().catch(() => {});
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch(async (error: unknown) => {
  await systemLog.error("startup_errors", `The worker did not start: ${error instanceof Error ? error.message : String(error)}`, { process: "worker", ...errorContext(error) });
  console.error(`[granary worker] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
