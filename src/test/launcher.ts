/**
 * The real launcher (`npm start`, scripts/start.ts) as a child process on a data folder of the test's own, for
 * tests of what only the whole process does: supervising its embedded PostgreSQL, stopping gracefully. tsx is
 * loaded into the one node process, so signals reach the launcher itself. The first start in a checkout builds
 * the app (next build), which takes minutes on a loaded machine; later ones reuse the build.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { findFreePort } from "@/server/db/embedded";

const projectRoot = path.resolve(__dirname, "..", "..");

export interface LauncherExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningLauncher {
  /** http://127.0.0.1:<port>, without a trailing slash. */
  url: string;
  dataDirectory: string;
  child: ChildProcess;
  exited: Promise<LauncherExit>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the output once it matches `pattern` (from `since`, an earlier output length). */
  waitForOutput(pattern: RegExp, options?: { since?: number; timeoutMs?: number }): Promise<string>;
  /** The embedded PostgreSQL's postmaster, from its lock file. */
  postmasterPid(): number;
  /** A URL of the app's database on the embedded server (while it runs). */
  databaseUrl(): string;
}

export async function startLauncher(options: { dataDirectory: string; environment?: Record<string, string> }): Promise<RunningLauncher> {
  const port = await findFreePort(4600);
  const environment: NodeJS.ProcessEnv = { ...process.env };
  // The test run's own settings (a fake public address, the test secret, NODE_ENV=test) are not the server's.
  for (const name of ["NODE_ENV", "DATABASE_URL", "AUTH_SECRET", "PUBLIC_URL", "FILES_DIR"]) delete environment[name];
  Object.assign(environment, {
    DATA_DIR: options.dataDirectory,
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    GRANARY_ADMIN_PASSWORD: "launcher-test-admin-password",
    NEXT_TELEMETRY_DISABLED: "1",
    ...options.environment,
  });
  const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "start.ts")], {
    cwd: projectRoot,
    env: environment,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.DEBUG_LAUNCHER_TEST) process.stderr.write(chunk);
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<LauncherExit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const listener of listeners) listener();
  });

  const waitForOutput: RunningLauncher["waitForOutput"] = (pattern, { since = 0, timeoutMs = 120_000 } = {}) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (pattern.test(output.slice(since))) {
          done();
          resolve(output);
        } else if (hasExited) {
          done();
          reject(new Error(`The launcher exited before its output matched ${pattern}:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`The launcher's output did not match ${pattern} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const postgresFolder = path.join(options.dataDirectory, "postgres");
  const launcher: RunningLauncher = {
    url: `http://127.0.0.1:${port}`,
    dataDirectory: options.dataDirectory,
    child,
    exited,
    output: () => output,
    waitForOutput,
    postmasterPid: () => Number.parseInt(fs.readFileSync(path.join(postgresFolder, "postmaster.pid"), "utf8").split("\n")[0]!, 10),
    databaseUrl: () => {
      const lines = fs.readFileSync(path.join(postgresFolder, "postmaster.pid"), "utf8").split("\n");
      const { databasePassword } = JSON.parse(fs.readFileSync(path.join(options.dataDirectory, "secrets.json"), "utf8")) as { databasePassword: string };
      return `postgres://postgres:${encodeURIComponent(databasePassword)}@127.0.0.1:${lines[3]!.trim()}/granary`;
    },
  };
  // The first start may build the app.
  await waitForOutput(/Granary is ready at/, { timeoutMs: 540_000 });
  return launcher;
}

/** Stops a launcher a test left running: SIGTERM, and SIGKILL if it has not stopped within a minute. */
export async function killLauncher(launcher: RunningLauncher | undefined): Promise<void> {
  if (!launcher || launcher.child.exitCode !== null || launcher.child.signalCode !== null) return;
  launcher.child.kill("SIGTERM");
  const exit = await Promise.race([launcher.exited, new Promise((resolve) => setTimeout(resolve, 60_000, null))]);
  if (exit === null) launcher.child.kill("SIGKILL");
}
