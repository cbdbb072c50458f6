/**
 * The Inngest driver without an Inngest server (it cannot be installed here): the functions run under @inngest/test,
 * /api/inngest answers requests signed the way Inngest's executor signs them (HMAC-SHA256 of the canonical JSON body
 * and the timestamp under the signing key, as inngest-js's helpers/net.ts checks it), and the dispatcher sends
 * queued runs to a stand-in of Inngest's event API.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { InngestTestEngine } from "@inngest/test";
import { sql } from "drizzle-orm";
import { Inngest } from "inngest";
import type { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { env } from "@/env";
import { setUpTestDatabase } from "@/test/db";
import { sentEmails } from "@/test/factories";
import { createOutboxTransport } from "../email/transports";
import { sendEmail } from "../email";
import { BlobStore } from "../storage";
import { createInngestHandler, eventNameOf, InngestDispatcher, inngestFunctions } from "./inngest";
import { jobDefinitions } from "./registry";
import { deliverEmailJob } from "./definitions/deliver-email";
import { sealFields } from "./sealing";

const db = setUpTestDatabase();
const signingKey = "signkey-test-8ee3d5ad2d5c4b0f1a6e4b1c0f9d3a2b7c6e5d4f3a2b1c0d9e8f7a6b5c4d3e2f";
const dependencies = () => ({ db, mailer: createOutboxTransport(), blobs: new BlobStore("/tmp/granary-test-blobs") });
const worker = () => ({ id: null, label: "inngest-test" });

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

function testClient(options: { baseUrl?: string } = {}) {
  return new Inngest({
    id: "granary",
    signingKey,
    eventKey: "test-event-key",
    isDev: false,
    checkpointing: false,
    baseUrl: options.baseUrl,
    // The refused requests below would log "Invalid signature".
    logger: quiet,
    internalLogger: quiet,
  });
}

/** RFC 8785 for plain JSON data: object keys sorted, no whitespace (what Inngest signs). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function signedRequest(method: "PUT" | "POST", url: string, body: unknown, headers: Record<string, string> = {}, key = signingKey): NextRequest {
  const text = canonicalJson(body);
  const timestamp = Math.round(Date.now() / 1000).toString();
  const signature = createHmac("sha256", key.replace(/^signkey-\w+-/, "")).update(text + timestamp).digest("hex");
  return new Request(url, {
    method,
    body: text,
    headers: { "content-type": "application/json", "x-inngest-signature": `t=${timestamp}&s=${signature}`, ...headers },
  }) as unknown as NextRequest;
}

function resetEmailEnvelope(runId: string) {
  const input = {
    to: "ada@example.test",
    template: "passwordReset",
    props: { username: "ada", expiresInHours: 24 },
    secretProps: { resetUrl: "http://granary.test/reset-password?token=aW5uZ2VzdC1zZWNyZXQtbGluay10b2tlbi12YWx1ZQ" },
  };
  return { input: sealFields(input, deliverEmailJob.secretFields), startedBy: { kind: "system", label: "system" }, runId };
}

async function runRow(id: string) {
  const [row] = await db.execute<{ status: string; attempts: number; driver: string; external_id: string | null; error: string | null }>(
    sql`select status, attempts, driver, external_id, error from job_runs where id = ${id}::uuid`,
  );
  return row;
}

describe("Inngest functions", () => {
  it("are one per job, with its event and its cron as triggers", () => {
    const functions = inngestFunctions(testClient(), jobDefinitions, { db, dependencies, worker });
    expect(functions.map((fn) => fn.id("granary"))).toEqual(jobDefinitions.map((definition) => `granary-${definition.id}`));
  });

  it("run the job's body and record the run (under @inngest/test)", async () => {
    const [deliver] = inngestFunctions(testClient(), [deliverEmailJob as never], { db, dependencies, worker });
    const runId = "5f0c8b5e-1d2a-4c3b-9e8f-7a6b5c4d3e2f";
    const engine = new InngestTestEngine({ function: deliver! });
    const { result, error } = await engine.execute({ events: [{ name: eventNameOf(deliverEmailJob), data: resetEmailEnvelope(runId) }] });
    expect(error).toBeUndefined();
    expect(result).toEqual({ status: "stored", transport: "outbox" });
    expect(await runRow(runId)).toMatchObject({ status: "succeeded", attempts: 1, driver: "inngest" });
    const [mail] = await sentEmails(db, { to: "ada@example.test" });
    expect(mail!.text).toContain("reset-password?token=aW5uZ2VzdC1zZWNyZXQtbGluay10b2tlbi12YWx1ZQ");
  });
});

describe("/api/inngest", () => {
  const url = "http://granary.test/api/inngest";

  it("lists every job to a signed in-band sync, with the cron schedules", async () => {
    const handler = createInngestHandler({ db, dependencies, worker, client: testClient() });
    const response = await handler.PUT(signedRequest("PUT", url, { url }, { "x-inngest-sync-kind": "in_band" }), undefined);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { app_id: string; functions: Array<{ id: string; triggers: Array<{ event?: string; cron?: string }> }> };
    expect(body.app_id).toBe("granary");
    expect(body.functions.map((fn) => fn.id).sort()).toEqual(jobDefinitions.map((definition) => `granary-${definition.id}`).sort());
    for (const definition of jobDefinitions) {
      const registered = body.functions.find((fn) => fn.id === `granary-${definition.id}`)!;
      expect(registered.triggers).toEqual([
        { event: eventNameOf(definition) },
        ...(definition.schedule ? [{ cron: `TZ=UTC ${definition.schedule.cron}` }] : []),
      ]);
    }
  });

  it("refuses a sync or an invocation that is not signed with the signing key", async () => {
    const handler = createInngestHandler({ db, dependencies, worker, client: testClient() });
    const wrongKey = "signkey-test-0000000000000000000000000000000000000000000000000000000000000000";
    const sync = await handler.PUT(signedRequest("PUT", url, { url }, { "x-inngest-sync-kind": "in_band" }, wrongKey), undefined);
    expect(sync.status).toBe(401);
    const runId = "6a1d9c6f-2e3b-4d4c-8f9a-8b7c6d5e4f3a";
    const call = await handler.POST(signedRequest("POST", `${url}?fnId=granary-deliver-email&stepId=step`, invocation(runId), {}, wrongKey), undefined);
    expect(call.status).toBe(401);
    expect(await runRow(runId)).toBeUndefined();
  });

  function invocation(runId: string, attempt = 0) {
    const event = { name: eventNameOf(deliverEmailJob), data: resetEmailEnvelope(runId), id: `${runId}:0`, ts: Date.now() };
    return {
      version: 1,
      event,
      events: [event],
      steps: {},
      ctx: { run_id: "01JTESTRUN0000000000000000", attempt, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
    };
  }

  it("runs the job's body for a signed invocation and records the run", async () => {
    const handler = createInngestHandler({ db, dependencies, worker, client: testClient() });
    const runId = "7b2e0d70-3f4c-4e5d-9a0b-9c8d7e6f5a4b";
    const response = await handler.POST(signedRequest("POST", `${url}?fnId=granary-deliver-email&stepId=step`, invocation(runId)), undefined);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "stored", transport: "outbox" });
    expect(await runRow(runId)).toMatchObject({ status: "succeeded", attempts: 1, driver: "inngest", external_id: "01JTESTRUN0000000000000000" });
    expect(await sentEmails(db, { to: "ada@example.test" })).toHaveLength(1);
  });

  it("answers a failed attempt so that Inngest retries it after the job's backoff, and records it", async () => {
    const broken = () => ({ ...dependencies(), mailer: { name: "smtp" as const, keepsBody: false, deliver: () => Promise.reject(new Error("mail server down")) } });
    const handler = createInngestHandler({ db, dependencies: broken, worker, client: testClient() });
    const runId = "8c3f1e81-4a5d-4f6e-8b1c-0d9e8f7a6b5c";
    const response = await handler.POST(signedRequest("POST", `${url}?fnId=granary-deliver-email&stepId=step`, invocation(runId)), undefined);
    expect(response.status).toBe(500);
    expect(response.headers.get("x-inngest-no-retry")).toBe("false");
    // The job's first retry delay (30 s), not Inngest's own backoff.
    expect(response.headers.get("retry-after")).toBe("30");
    expect(await runRow(runId)).toMatchObject({ status: "retrying", attempts: 1 });
    expect((await runRow(runId))!.error).toContain("mail server down");
  });
});

describe("the dispatcher", () => {
  const saved = { INNGEST_EVENT_KEY: env.INNGEST_EVENT_KEY, INNGEST_SIGNING_KEY: env.INNGEST_SIGNING_KEY };
  const servers: http.Server[] = [];
  afterEach(async () => {
    Object.assign(env, saved);
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  it("sends the event of a run queued in the Inngest driver once its transaction commits", async () => {
    const received: Array<{ path: string; events: Array<{ id: string; name: string; data: Record<string, unknown> }> }> = [];
    const eventApi = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const events = JSON.parse(body) as (typeof received)[number]["events"];
        received.push({ path: request.url ?? "", events });
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ids: events.map((event) => event.id), status: 200 }));
      });
    });
    servers.push(eventApi);
    await new Promise<void>((resolve) => eventApi.listen(0, "127.0.0.1", resolve));
    const baseUrl = `http://127.0.0.1:${(eventApi.address() as AddressInfo).port}`;
    Object.assign(env, { INNGEST_EVENT_KEY: "test-event-key", INNGEST_SIGNING_KEY: signingKey });

    const { runId } = await sendEmail(db, { to: "ada@example.test", template: "emailChanged", props: { username: "ada", newEmail: "ada@new.example" } });
    expect(await runRow(runId)).toMatchObject({ status: "queued", driver: "inngest" });
    const [countBefore] = await db.execute<{ count: number }>(sql`select count(*)::int as count from pgboss.job`);
    expect(countBefore!.count).toBe(0);

    const dispatcher = new InngestDispatcher("unused", db, testClient({ baseUrl }), () => {});
    await expect(dispatcher.dispatch()).resolves.toBe(1);
    await expect(dispatcher.dispatch()).resolves.toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe("/e/test-event-key");
    expect(received[0]!.events).toEqual([
      expect.objectContaining({ id: `${runId}:0`, name: "granary/job.deliver-email", data: expect.objectContaining({ runId, startedBy: { kind: "system", label: "system" } }) }),
    ]);
    const [dispatched] = await db.execute<{ dispatched_at: string | null }>(sql`select dispatched_at from job_runs where id = ${runId}::uuid`);
    expect(dispatched!.dispatched_at).not.toBeNull();
  });
});
