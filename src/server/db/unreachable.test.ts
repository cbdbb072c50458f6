/**
 * A database that cannot be reached, met for real: a port nothing listens on (ECONNREFUSED) and a connection its
 * server terminates (57P01). Such errors are recognised in one place (errors.ts); tRPC and the protocol handler
 * answer them with 503 and Retry-After instead of 500, record no exception, and the process hears of the outage
 * once (availability.ts). Log records written meanwhile are kept and stored once the database is back. A pool whose
 * connections the server ended does not fail a later request with the ended sessions' error (client.ts).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createTrpcHttpHandler } from "@/server/api/http";
import { SystemLogger } from "@/server/logging/logger";
import { startProtocolServer, type ProtocolServer } from "@/server/protocols";
import { recordException } from "@/server/services/exceptions";
import { newTokenSecret } from "@/server/services/token-secrets";
import { BlobStore } from "@/server/storage";
import { answerServerErrorsAs503WhileDatabaseAway, answerUnavailable } from "@/server/unavailable";
import { setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { SessionRecorder } from "@/test/caller";
import { anonymous, createUser } from "@/test/factories";
import { recordedExceptions, testSite, trpcUrl } from "@/test/trpc-http";
import { databaseAvailability, noteIfDatabaseUnreachable } from "./availability";
import { connectDatabase } from "./client";
import { findFreePort } from "./embedded";
import { isDatabaseUnreachable } from "./errors";
import { systemLogs } from "./schema";

const db = setUpTestDatabase();
const filesFolder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-unreachable-"));
const closers: (() => Promise<void>)[] = [];

/** A database handle whose server is gone: nothing listens on its port. */
async function unreachableDatabase() {
  const port = await findFreePort(47000);
  const connection = connectDatabase(`postgres://postgres:unused@127.0.0.1:${port}/granary`, { max: 2 });
  closers.push(connection.close);
  return connection.db;
}

afterEach(async () => {
  // The state is process-wide (tests share one process): put it back as every other test expects it.
  databaseAvailability().markUp("the test ended");
  for (const close of closers.splice(0)) await close();
});

afterAll(() => fs.rmSync(filesFolder, { recursive: true, force: true }));

describe("recognising an unreachable database", () => {
  it("knows a refused connection and a terminated one, through Drizzle's wrapping, and nothing else", async () => {
    const gone = await unreachableDatabase();
    const refused = await gone.execute(sql`select 1`).catch((error: unknown) => error);
    expect(isDatabaseUnreachable(refused)).toBe(true);

    const victim = connectDatabase(testDatabaseUrl(), { max: 1 });
    closers.push(victim.close);
    const [{ pid }] = (await victim.db.execute(sql`select pg_backend_pid() as pid`)) as unknown as [{ pid: number }];
    const sleeping = victim.db.execute(sql`select pg_sleep(30)`).catch((error: unknown) => error);
    await db.execute(sql`select pg_terminate_backend(${pid})`);
    const terminated = await sleeping;
    // PostgreSQL's FATAL 57P01, or postgres.js's own word for the connection it lost with it.
    expect(["57P01", "CONNECTION_CLOSED"]).toContain((terminated as { cause?: { code?: string } }).cause?.code);
    expect(isDatabaseUnreachable(terminated)).toBe(true);

    const badQuery = await db.execute(sql`select * from no_such_table`).catch((error: unknown) => error);
    expect(isDatabaseUnreachable(badQuery)).toBe(false);
    const user = await createUser(db);
    const duplicate = await createUser(db, { username: user.username }).catch((error: unknown) => error);
    expect(isDatabaseUnreachable(duplicate)).toBe(false);
    expect(isDatabaseUnreachable(new Error("ECONNREFUSED in a message is not a code"))).toBe(false);
  });
});

describe("while the database is unreachable", () => {
  it("tRPC answers 503 with Retry-After, records no exception, and the outage is noted once", async () => {
    const gone = await unreachableDatabase();
    const outages: boolean[] = [];
    databaseAvailability().configure({ probe: () => Promise.reject(new Error("still gone")), probeIntervalMs: 3_600_000, onChange: ({ available }) => outages.push(available) });
    try {
      const handler = createTrpcHttpHandler({
        site: testSite,
        createContext: async () => ({ db: gone, actor: anonymous(), sessions: new SessionRecorder() }),
        // As the route handler does, into a database that works.
        onInternalError: async (error, { request }) => void (await recordException(db, error.cause ?? error, { route: new URL(request.url).pathname, method: request.method, headers: request.headers })),
      });
      for (let call = 0; call < 3; call++) {
        const response = await handler(new Request(`${trpcUrl}/packages.facets`));
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
        const body = (await response.json()) as { error: { json: { message: string; data: { code: string } } } };
        expect(body.error.json.data.code).toBe("SERVICE_UNAVAILABLE");
        expect(body.error.json.message).toMatch(/database is unavailable/);
      }
      expect(await recordedExceptions(db)).toEqual([]);
      expect(outages).toEqual([false]);
      expect(databaseAvailability().isDown).toBe(true);
    } finally {
      databaseAvailability().configure(null);
    }
  });

  it("a request's unreachable error marks the database down only if the probe fails too: a pool's stale connection does not", async () => {
    const gone = await unreachableDatabase();
    const changes: boolean[] = [];
    // The database answers the probe: what failed was one connection left from before an outage.
    databaseAvailability().configure({ probe: async () => {}, probeIntervalMs: 3_600_000, onChange: ({ available }) => changes.push(available) });
    try {
      const handler = createTrpcHttpHandler({
        site: testSite,
        createContext: async () => ({ db: gone, actor: anonymous(), sessions: new SessionRecorder() }),
        onInternalError: async () => {},
      });
      const disruptionsBefore = databaseAvailability().disruptions;
      const response = await handler(new Request(`${trpcUrl}/packages.facets`));
      // That request still failed for the database, and says so; the next ones are not refused for it.
      expect(response.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(databaseAvailability().isDown).toBe(false);
      expect(changes).toEqual([]);
      expect(databaseAvailability().disruptions).toBeGreaterThan(disruptionsBefore);
    } finally {
      databaseAvailability().configure(null);
    }
  });

  it("the protocol handler answers index reads and uploads with 503 and Retry-After", async () => {
    const gone = await unreachableDatabase();
    let server: ProtocolServer | undefined;
    try {
      server = await startProtocolServer({ db: gone, store: new BlobStore(filesFolder), authSecret: "unreachable-test-secret-long-enough" });
      const index = await fetch(`${server.url}/alice/noarch/repodata.json`);
      expect(index.status).toBe(503);
      expect(index.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(await index.text()).toMatch(/database is unavailable/);
      const uploadAnswer = await fetch(`${server.url}/api/channels/alice/upload/demo-1.0-py_0.tar.bz2`, {
        method: "POST",
        headers: { Authorization: `Bearer ${newTokenSecret().secret}` },
        body: "bytes",
      });
      expect(uploadAnswer.status).toBe(503);
      expect(uploadAnswer.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(fs.existsSync(path.join(filesFolder, "tmp")) ? fs.readdirSync(path.join(filesFolder, "tmp")) : []).toEqual([]);
    } finally {
      await server?.close();
    }
  });

  it("log records are kept, and stored in order once the database can be reached again", async () => {
    const gone = await unreachableDatabase();
    const logger = new SystemLogger({ db: gone, write: () => {} });
    await logger.error("api_errors", "first, while it is away");
    await logger.info("api_errors", "second, while it is away");
    expect(await db.select().from(systemLogs)).toEqual([]);
    await logger.attach(db);
    const stored = await db.select({ message: systemLogs.message }).from(systemLogs).orderBy(systemLogs.id);
    expect(stored.map((record) => record.message)).toEqual(["first, while it is away", "second, while it is away"]);
  });

  it("the launcher's own answers: a page or a line of text, 503 with Retry-After; and a page's 500 that lived through an outage leaves as a 503", async () => {
    const server = http.createServer((request, response) => {
      if (request.url === "/down") return answerUnavailable(request, response, "database");
      answerServerErrorsAs503WhileDatabaseAway(response);
      // As a page whose queries failed while the database went away and came back: Next answers 500.
      databaseAvailability().markDown("the test took it away");
      databaseAvailability().markUp("the test brought it back");
      response.writeHead(500, { "Content-Type": "text/plain" }).end("failed");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${url}/down`, { headers: { Accept: "text/html,application/xhtml+xml" } });
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await page.text()).toMatch(/<html lang="en">[\s\S]*<h1>Granary will be back in a moment<\/h1>[\s\S]*<a href="\/down">Try again<\/a>/);
      const text = await fetch(`${url}/down`);
      expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await text.text()).toMatch(/database is restarting/);

      const failed = await fetch(`${url}/page`);
      expect(failed.status).toBe(503);
      expect(failed.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("a pool whose connections the server ended mid-query", () => {
  it("spends the ended sessions' errors once the database answers, instead of failing later requests with them", async () => {
    const pool = connectDatabase(testDatabaseUrl(), { max: 2 });
    closers.push(pool.close);
    // Both connections busy when PostgreSQL ends their sessions, as a restart's fast shutdown does (57P01).
    const marker = `ended-sessions-${process.pid}`;
    const sleeping = [0, 1].map(() => pool.db.execute(sql.raw(`select pg_sleep(60) /* ${marker} */`)).catch((error: unknown) => error));
    const activeSleeps = () =>
      db.execute(sql`select pid from pg_stat_activity where query like ${`%${marker}%`} and state = 'active' and pid <> pg_backend_pid()`) as unknown as Promise<{ pid: number }[]>;
    for (let waited = 0; (await activeSleeps()).length < 2; waited++) {
      if (waited > 600) throw new Error("The pool's two queries did not start.");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where query like ${`%${marker}%`} and pid <> pg_backend_pid()`);
    const ended = await Promise.all(sleeping);
    expect(ended.map((error) => isDatabaseUnreachable(error))).toEqual([true, true]);

    // As the requests' error paths do: the probe answers, so nothing is marked down, and the pools are refreshed.
    databaseAvailability().configure({ probe: async () => {}, probeIntervalMs: 3_600_000, onChange: () => {} });
    try {
      for (const error of ended) noteIfDatabaseUnreachable(error);
      await databaseAvailability().settled();
      expect(databaseAvailability().isDown).toBe(false);
      // Both connections at once, as requests would use them: neither fails with its old session's error.
      const answers = await Promise.allSettled([0, 1].map(() => pool.db.execute(sql`select 1 as one`)));
      expect(answers.map((answer) => (answer.status === "fulfilled" ? "answered" : String((answer.reason as { cause?: { code?: string } }).cause?.code ?? answer.reason)))).toEqual([
        "answered",
        "answered",
      ]);
    } finally {
      databaseAvailability().configure(null);
    }
  });
});
