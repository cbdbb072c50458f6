/**
 * Pools against PostgreSQL's max_connections, on a real embedded PostgreSQL of its own allowing only a few
 * connections: pools within the limit queue a burst and answer all of it; a pool larger than what PostgreSQL allows
 * meets "sorry, too many clients already" (SQLSTATE 53300), which the protocol handler answers 503 with Retry-After,
 * never 500. The launcher's embedded PostgreSQL is started allowing all of its pools (embeddedMaxConnections).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createUser } from "@/test/factories";
import { call, startTestServer } from "../protocols/test-support";
import { connectDatabase, type DatabaseConnection } from "./client";
import { connectionBudgetWarning, embeddedMaxConnections, launcherConnections } from "./connection-budget";
import { generateDatabasePassword, startEmbeddedPostgres, type EmbeddedServer } from "./embedded";
import { applyMigrations } from "./migrate";

// The test server's change listener and token cache listen on the test database, as in every protocol test.
setUpTestDatabase();

/** PostgreSQL keeps 3 of these for superusers; Granary's role here is one, so all of them count. */
const maxConnections = 12;

let directory: string;
let postgres: EmbeddedServer;
let databaseUrl: string;

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), "granary-connection-budget-"));
  postgres = await startEmbeddedPostgres({ directory: path.join(directory, "postgres"), password: generateDatabasePassword(), disposable: true, maxConnections });
  databaseUrl = postgres.url;
  await applyMigrations(databaseUrl);
  const setup = connectDatabase(databaseUrl, { max: 1 });
  await createUser(setup.db, { username: "alice" });
  await setup.close();
}, 180_000);

afterAll(async () => {
  await postgres?.stop();
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
});

async function burst(pool: DatabaseConnection, requests: number): Promise<Record<number, number>> {
  const server = await startTestServer(pool.db, { limits: { maxConnectionsPerClient: 0 } });
  try {
    const answers = await Promise.all(Array.from({ length: requests }, () => call(server, "/alice/simple/")));
    const statuses: Record<number, number> = {};
    for (const answer of answers) {
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (answer.status === 503) expect(answer.headers["retry-after"]).toBe("5");
    }
    return statuses;
  } finally {
    await server.close();
    await pool.close();
  }
}

describe("a burst against PostgreSQL's connection limit", () => {
  it("is answered in full by a pool PostgreSQL has room for: requests queue for its connections", async () => {
    // The test server's own listener takes one connection too.
    expect(await burst(connectDatabase(databaseUrl, { max: 6 }), 300)).toEqual({ 200: 300 });
  });

  it("meets 'too many clients' with a pool larger than PostgreSQL allows, answered 503 with Retry-After, never 500", async () => {
    const statuses = await burst(connectDatabase(databaseUrl, { max: 40 }), 300);
    expect(Object.keys(statuses).sort()).toEqual(["200", "503"]);
  });
});

describe("the launcher's budget", () => {
  it("starts the embedded PostgreSQL allowing every pool of the launcher, and room beside it", () => {
    for (const poolSize of [2, 10, 50, 200]) {
      expect(embeddedMaxConnections(poolSize)).toBeGreaterThanOrEqual(launcherConnections(poolSize) + 64);
    }
    expect(embeddedMaxConnections(10)).toBe(100);
  });

  it("warns when an external PostgreSQL has no room for the launcher's pools", async () => {
    expect(await connectionBudgetWarning(databaseUrl, 10)).toMatch(/^PostgreSQL allows 12 connections \(3 reserved\) and \d+ are open; Granary may open 35 \(DATABASE_POOL_SIZE=10\)\./);
    const roomy = await startEmbeddedPostgres({ directory: path.join(directory, "roomy"), password: generateDatabasePassword(), disposable: true, maxConnections: embeddedMaxConnections(10) });
    try {
      expect(await connectionBudgetWarning(roomy.url, 10)).toBeNull();
    } finally {
      await roomy.stop();
    }
  }, 120_000);
});
