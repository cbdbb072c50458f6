/**
 * Pools against PostgreSQL's max_connections, on a real embedded PostgreSQL of its own allowing only a few
 * connections: pools within the limit queue a burst and answer all of it; a pool larger than what PostgreSQL allows
 * meets "sorry, too many clients already" (SQLSTATE 53300), which the protocol handler, tRPC and pages answer 503 with
 * Retry-After, never 500. The launcher's embedded PostgreSQL is started allowing all of its pools (embeddedMaxConnections).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import postgresClient from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrpcHttpHandler } from "@/server/api/http";
import { createCaller } from "@/server/api/root";
import { answerServerErrorsAs503WhileDatabaseAway } from "@/server/unavailable";
import { SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createUser } from "@/test/factories";
import { testSite, trpcUrl } from "@/test/trpc-http";
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
    // Most of PostgreSQL's connections are held elsewhere, so that the burst meets the limit however quickly the
    // handler answers from memory once the first index is built: a busy machine otherwise let the pool's first few
    // connections answer the whole burst.
    const holder = postgresClient(databaseUrl, { max: maxConnections - 3, onnotice: () => {} });
    const held = await Promise.all(Array.from({ length: maxConnections - 3 }, () => holder.reserve()));
    try {
      const statuses = await burst(connectDatabase(databaseUrl, { max: 40 }), 300);
      expect(Object.keys(statuses).sort()).toEqual(["200", "503"]);
    } finally {
      for (const connection of held) connection.release();
      await holder.end();
    }
  });
});

/** Every status and how often it came; each 503 is checked to ask the client back with Retry-After. */
function countStatuses(answers: { status: number; retryAfter: string | null }[]): Record<number, number> {
  const statuses: Record<number, number> = {};
  for (const answer of answers) {
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (answer.status === 503) expect(answer.retryAfter).toBe("5");
  }
  return statuses;
}

describe("'too many clients' in the web app", () => {
  it("tRPC answers it with 503 and Retry-After, the code SERVICE_UNAVAILABLE and no exception, never 500", async () => {
    const pool = connectDatabase(databaseUrl, { max: 40 });
    const internalErrors: unknown[] = [];
    const handler = createTrpcHttpHandler({
      site: testSite,
      createContext: async () => ({ db: pool.db, actor: anonymous(), sessions: new SessionRecorder() }),
      onInternalError: async (error) => void internalErrors.push(error.cause ?? error),
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const response = await handler(new Request(`${trpcUrl}/packages.facets`));
          const body = (await response.json()) as { error?: { json: { message: string; data: { code: string } } } };
          if (response.status === 503) {
            expect(body.error?.json.data.code).toBe("SERVICE_UNAVAILABLE");
            expect(body.error?.json.message).toMatch(/busy/);
          }
          return { status: response.status, retryAfter: response.headers.get("retry-after") };
        }),
      );
      expect(Object.keys(countStatuses(answers)).sort()).toEqual(["200", "503"]);
      expect(internalErrors).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it("a page whose procedure met it, which Next answers 500, leaves the launcher as a 503 with Retry-After", async () => {
    const pool = connectDatabase(databaseUrl, { max: 40 });
    // As the launcher hands a page to Next, and as Next answers a server component whose procedure threw.
    const server = http.createServer((request, response) => {
      answerServerErrorsAs503WhileDatabaseAway(response);
      createCaller({ db: pool.db, actor: anonymous(), sessions: new SessionRecorder() })
        .packages.facets()
        .then(
          () => response.writeHead(200, { "Content-Type": "text/html" }).end("<p>facets</p>"),
          () => response.writeHead(500, { "Content-Type": "text/html" }).end("<p>Internal Server Error</p>"),
        );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const response = await fetch(url);
          await response.arrayBuffer();
          return { status: response.status, retryAfter: response.headers.get("retry-after") };
        }),
      );
      expect(Object.keys(countStatuses(answers)).sort()).toEqual(["200", "503"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await pool.close();
    }
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
