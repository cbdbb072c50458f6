import { inject, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { setUpTestDatabase } from "@/test/db";
import { connectDatabase } from "../db/client";
import { systemLogs } from "../db/schema";
import { defineJob } from "../jobs/definition";
import { runAttempt } from "../jobs/execute";
import { BlobStore } from "../storage";
import { createOutboxTransport } from "../email/transports";
import { SystemLogger } from "./logger";
import { redactText, redactValue } from "./redact";

const db = setUpTestDatabase();

function capture() {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe("the structured logger", () => {
  it("writes each record to stdout as one JSON line and stores it", async () => {
    const out = capture();
    const logger = new SystemLogger({ db, write: out.write });
    await logger.log({ level: "warn", category: "startup_info", message: "Port taken", context: { port: 3000 }, requestId: "req-1" });

    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0]!)).toMatchObject({ level: "warn", category: "startup_info", message: "Port taken", context: { port: 3000 }, requestId: "req-1" });
    expect(JSON.parse(out.lines[0]!).time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const [stored] = await db.select().from(systemLogs);
    expect(stored).toMatchObject({ level: "warn", category: "startup_info", message: "Port taken", context: { port: 3000 }, requestId: "req-1" });
  });

  it("keeps what is logged before the database is up, and stores it once attached", async () => {
    const out = capture();
    const logger = new SystemLogger({ write: out.write });
    await logger.info("startup_info", "Starting PostgreSQL");
    expect(await db.$count(systemLogs)).toBe(0);
    await logger.attach(db);
    await logger.info("startup_info", "Ready");
    expect((await db.select().from(systemLogs)).map((row) => row.message).sort()).toEqual(["Ready", "Starting PostgreSQL"]);
    expect(out.lines).toHaveLength(2);
  });

  it("redacts secrets from the message and the context, on stdout and in the table", async () => {
    const out = capture();
    const secret = "Abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
    await new SystemLogger({ db, write: out.write }).error("api_errors", `GET /t/${secret}/alice/x failed for postgres://granary:hunter2@db/granary`, {
      password: "hunter2",
      headers: { Authorization: `Bearer ${secret}` },
      nested: [{ apiKey: "k-123" }, `token=${secret}`],
    });
    const stored = JSON.stringify(await db.select().from(systemLogs));
    for (const text of [out.lines[0]!, stored]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("k-123");
      expect(text).toContain("[redacted]");
    }
  });

  it("leaves digests and ordinary words alone", () => {
    const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    expect(redactText(`removed ${digest}`)).toBe(`removed ${digest}`);
    expect(redactValue({ user: "ada", count: 3 })).toEqual({ user: "ada", count: 3 });
  });

  it("never throws when the database refuses, and the line is still on stdout", async () => {
    const missing = new URL(inject("templateDatabaseUrl"));
    missing.pathname = "/no_such_database";
    const unreachable = connectDatabase(missing.toString(), { max: 1 });
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    const out = capture();
    try {
      await expect(new SystemLogger({ db: unreachable.db, write: out.write }).info("startup_info", "hello")).resolves.toBeUndefined();
      expect(out.lines).toHaveLength(1);
      expect(consoleError).toHaveBeenCalledOnce();
    } finally {
      consoleError.mockRestore();
      await unreachable.close();
    }
  });
});

describe("periodic tasks in the log", () => {
  const dependencies = () => ({ db, mailer: createOutboxTransport(), blobs: new BlobStore("/tmp/granary-test-blobs") });
  const observer = { log: () => {}, progress: () => {} };
  const starter = { kind: "schedule" as const, label: "schedule" };

  it("records each attempt of a scheduled job, succeeded or failed, and nothing for other jobs", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const nightly = defineJob({
        id: "nightly-test",
        description: "A test",
        input: z.object({ fail: z.boolean().default(false) }),
        priority: "low",
        retries: { limit: 0, delaySeconds: 1, backoff: false },
        timeoutSeconds: 10,
        schedule: { cron: "0 1 * * *" },
        async run(input) {
          if (input.fail) throw new Error("the disk is full");
          return { done: 1 };
        },
      });
      const unscheduled = { ...nightly, id: "on-demand-test", schedule: undefined };
      await runAttempt(nightly as never, { input: {}, startedBy: starter }, { runId: crypto.randomUUID(), number: 1, dependencies: dependencies(), observer });
      await runAttempt(nightly as never, { input: { fail: true }, startedBy: starter }, { runId: crypto.randomUUID(), number: 1, dependencies: dependencies(), observer });
      await runAttempt(unscheduled as never, { input: {}, startedBy: starter }, { runId: crypto.randomUUID(), number: 1, dependencies: dependencies(), observer });
    } finally {
      write.mockRestore();
    }
    const records = await db.select().from(systemLogs).orderBy(systemLogs.id);
    expect(records.map((record) => [record.category, record.level, record.message])).toEqual([
      ["periodic_tasks", "info", "nightly-test succeeded."],
      ["periodic_tasks", "error", "nightly-test failed: the disk is full"],
    ]);
    expect(records[0]?.context).toMatchObject({ task: "nightly-test", startedBy: "schedule", result: { done: 1 } });
  });
});
