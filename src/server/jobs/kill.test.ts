/**
 * A worker process killed with SIGKILL in the middle of a job: the next worker finds it silent, marks it lost, and
 * the job runs again there (job bodies are written to be safe to run twice).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { registerTestJobs } from "@/test/jobs";
import type { AnyJobDefinition } from "./definition";
import { enqueue } from "./enqueue";
import { holdJob } from "./test-support/hold-job";

const db = setUpTestDatabase();
const children: ChildProcess[] = [];

beforeAll(async () => {
  await registerTestJobs([holdJob as unknown as AnyJobDefinition]);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
});

/**
 * Starts a worker process and resolves with its worker id once it serves. tsx is loaded into the one node process
 * (tsx's own CLI would run the script in a child, and the SIGKILL would miss it).
 */
function startWorkerProcess(): Promise<{ child: ChildProcess; workerId: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "test-support", "worker-process.ts")], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready ([0-9a-f-]{36})/.exec(output);
      if (ready) resolve({ child, workerId: ready[1]! });
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (process.env.DEBUG_KILL_TEST) process.stderr.write(chunk);
    });
    child.once("exit", (code) => reject(new Error(`The worker process exited (${code}) before it was ready:\n${output}`)));
  });
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let tries = 0; tries < 400; tries++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out waiting for ${what}; last value: ${JSON.stringify(await read())}`);
}

describe("a worker killed mid-job", () => {
  it("has its job picked up and finished by the next worker", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-kill-"));
    const first = await startWorkerProcess();
    const { runId } = await enqueue(db, holdJob, { folder });
    const runOf = async () => {
      const [row] = await db.execute<{ status: string; attempts: number; worker_id: string | null; error: string | null; result: unknown }>(
        sql`select status, attempts, worker_id, error, result from job_runs where id = ${runId}::uuid`,
      );
      return row!;
    };
    await waitFor(runOf, (row) => row.status === "running" && row.worker_id === first.workerId, "the first worker to run the job");
    await waitFor(async () => (fs.existsSync(path.join(folder, "attempts")) ? fs.readFileSync(path.join(folder, "attempts"), "utf8") : ""), (text) => text !== "", "the first attempt");

    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await startWorkerProcess();
    const finished = await waitFor(runOf, (row) => row.status === "succeeded", "the job to finish on the next worker");
    expect(finished).toMatchObject({ attempts: 2, worker_id: second.workerId, result: { attempt: 2, pid: second.child.pid } });
    const attempts = fs.readFileSync(path.join(folder, "attempts"), "utf8").trim().split("\n");
    expect(attempts).toEqual([`1 ${first.child.pid}`, `2 ${second.child.pid}`]);
    const [lost] = await db.execute<{ lost_at: Date | null; stopped_at: Date | null }>(
      sql`select lost_at, stopped_at from job_workers where id = ${first.workerId}::uuid`,
    );
    expect(lost!.lost_at).not.toBeNull();
    expect(lost!.stopped_at).toBeNull();
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
