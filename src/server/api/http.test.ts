/**
 * The tRPC endpoint over HTTP: malformed requests are the client's mistake (a 400, never an exceptions row),
 * bodies and batches are bounded, and mutations are taken only as JSON from the site's own pages or scripts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createGranaryClient } from "@/client";
import { SessionRecorder } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createUser } from "@/test/factories";
import { recordedExceptions, trpcHandler, trpcUrl } from "@/test/trpc-http";

const db = setUpTestDatabase();

afterEach(async () => {
  // Whatever a test sent, nothing it sent is an unexpected error.
  expect(await recordedExceptions(db)).toEqual([]);
});

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error?: { json?: { message: string; data: { code: string } } } } | { error?: { json?: { message: string; data: { code: string } } } }[];
  const first = Array.isArray(body) ? body[0] : body;
  const error = first?.error?.json;
  if (!error) throw new Error(`Expected an error, got ${JSON.stringify(body)}`);
  return { status: response.status, code: error.data.code, message: error.message };
}

function post(path: string, body: string, headers: Record<string, string> = {}): Request {
  return new Request(`${trpcUrl}/${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

describe("malformed input is a 400 and no exception", () => {
  const handler = trpcHandler();

  it.each([
    ["a body that is not JSON", "{not json"],
    ["a truncated body", '{"json":{"login":"ada"'],
    ["superjson naming an unknown class", '{"json":{"login":"ada","password":"x"},"meta":{"values":{"login":[["class","Evil"]]}}}'],
    ["superjson with a prototype key", '{"json":{"login":"ada","password":"x"},"meta":{"values":{"__proto__.polluted":["undefined"]}}}'],
    ["superjson turning a string into a Map", '{"json":{"login":"ada","password":"x"},"meta":{"values":{"password":["map"]}}}'],
    ["superjson whose values point nowhere", '{"json":{},"meta":{"values":{"a.b.c":["Date"]}}}'],
    ["superjson referential equalities that point nowhere", '{"json":{"login":"ada"},"meta":{"referentialEqualities":{"login":["x.y.z"]}}}'],
  ])("POST with %s", async (_name, body) => {
    const failure = await errorOf(await handler(post("account.signIn", body)));
    expect(failure.status).toBe(400);
    expect(failure.code).toBe("BAD_REQUEST");
  });

  it.each([
    ["not JSON", "{not json"],
    ["superjson naming an unknown class", '{"json":"x","meta":{"values":[["class","Evil"]]}}'],
    ["a batch input that is not an object", "[1,2]"],
  ])("GET input= that is %s", async (_name, input) => {
    const batch = input.startsWith("[") ? "&batch=1" : "";
    const failure = await errorOf(await handler(new Request(`${trpcUrl}/packages.search?input=${encodeURIComponent(input)}${batch}`)));
    expect(failure.status).toBe(400);
  });

  it("answers a path with bad URL encoding with a 400", async () => {
    const failure = await errorOf(await handler(new Request(`${trpcUrl}/packages.search%E0`)));
    expect(failure.status).toBe(400);
  });

  it.each([
    ["an owner", "packages.listByOwner", { owner: "ada\u0000" }],
    ["a package name", "packages.get", { owner: "ada", name: "tools\u0000" }],
    ["a search", "packages.search", { query: "num\u0000py" }],
    ["a search with another control character", "packages.search", { query: "num\u001bpy" }],
    ["a label owner", "packages.labels", { owner: "\u0000" }],
  ])("refuses NUL and control characters in %s", async (_name, path, input) => {
    const response = await handler(new Request(`${trpcUrl}/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`));
    const failure = await errorOf(response);
    expect(failure).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(failure.message).toMatch(/control characters/);
  });
});

describe("mutations come only from this site's pages or from scripts", () => {
  async function signOutWith(headers: Record<string, string>, body = "{}"): Promise<{ status: number; ended: number }> {
    const user = await createUser(db, { username: `ada${Math.random().toString(36).slice(2, 8)}` });
    const sessions = new SessionRecorder();
    const response = await trpcHandler({ actor: user.actor, sessions })(
      new Request(`${trpcUrl}/account.signOut`, { method: "POST", headers, body: new TextEncoder().encode(body) }),
    );
    await response.arrayBuffer();
    return { status: response.status, ended: sessions.endedCount };
  }

  it.each([
    ["the site's own page", { origin: "http://granary.test" }],
    ["a page on the host it was asked for", { origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }],
    ["a browser that sends only Sec-Fetch-Site", { "sec-fetch-site": "same-origin" }],
    ["a browser that sends only a Referer", { referer: "http://granary.test/settings/security" }],
    ["a script (the CLI, the typed client, curl)", {}],
  ])("accepts a JSON mutation from %s", async (_name, headers) => {
    expect(await signOutWith({ "content-type": "application/json", ...headers })).toEqual({ status: 200, ended: 1 });
  });

  it.each([
    ["another site", { origin: "http://evil.example" }],
    ["another port of the same host", { origin: "http://granary.test:8080" }],
    ["an opaque origin (a sandboxed frame, a data: page)", { origin: "null" }],
    ["another site, without Origin", { "sec-fetch-site": "cross-site" }],
    ["a sibling site, without Origin", { "sec-fetch-site": "same-site" }],
    ["another site named only by its Referer", { referer: "http://evil.example/attack.html" }],
  ])("refuses a mutation from %s with 403", async (_name, headers) => {
    expect(await signOutWith({ "content-type": "application/json", ...headers })).toEqual({ status: 403, ended: 0 });
  });

  it.each([
    ["multipart/form-data; boundary=x", "--x--\r\n"],
    ["application/x-www-form-urlencoded", "a=1"],
    ["text/plain", "{}"],
    ["application/octet-stream", "{}"],
  ])("refuses a %s body with 415, even from the site itself", async (contentType, body) => {
    expect(await signOutWith({ "content-type": contentType, origin: "http://granary.test" }, body)).toEqual({ status: 415, ended: 0 });
  });

  it("refuses a mutation without a Content-Type", async () => {
    expect(await signOutWith({})).toEqual({ status: 415, ended: 0 });
  });
});

describe("bodies and batches are bounded", () => {
  const limit = 64 * 1024;

  /** A body that never ends, counting what was taken from it. */
  function endlessBody(chunkBytes = 16 * 1024) {
    const taken = { bytes: 0 };
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          taken.bytes += chunkBytes;
          controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
        },
      },
      // Nothing is produced before someone reads.
      { highWaterMark: 0 },
    );
    return { stream, taken };
  }

  it("refuses a declared length over the limit with 413 before reading a byte", async () => {
    const { stream, taken } = endlessBody();
    const request = new Request(`${trpcUrl}/account.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(200 * 1024 * 1024) },
      body: stream,
      duplex: "half",
    } as RequestInit);
    const failure = await errorOf(await trpcHandler({ maxBodyBytes: limit })(request));
    expect(failure).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect(taken.bytes).toBe(0);
  });

  it("stops reading a body without a length (chunked) at the limit and answers 413", async () => {
    const { stream, taken } = endlessBody();
    const request = new Request(`${trpcUrl}/account.signIn`, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
    const failure = await errorOf(await trpcHandler({ maxBodyBytes: limit })(request));
    expect(failure).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect(taken.bytes).toBeLessThanOrEqual(limit + 16 * 1024);
  });

  it("takes a body within the limit", async () => {
    const user = await createUser(db, { username: "ada" });
    const body = JSON.stringify({ json: { login: user.username, password: user.password, padding: " ".repeat(limit / 2) } });
    const response = await trpcHandler({ maxBodyBytes: limit })(post("account.signIn", body));
    expect(response.status).toBe(200);
  });

  it("refuses a batch of more than 20 calls with a clear 400, and runs none of them", async () => {
    const paths = Array.from({ length: 250 }, () => "packages.search").join(",");
    const inputs = Object.fromEntries(Array.from({ length: 250 }, (_, index) => [index, { json: { query: "x" } }]));
    const response = await trpcHandler()(new Request(`${trpcUrl}/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`));
    const failure = await errorOf(response);
    expect(failure).toMatchObject({ status: 400, code: "BAD_REQUEST", message: "A batch holds at most 20 calls; this one has 250." });
    const twentyOne = Array.from({ length: 21 }, () => "account.signOut").join(",");
    expect((await errorOf(await trpcHandler()(post(`${twentyOne}?batch=1`, "{}")))).status).toBe(400);
  });

  it("takes a batch of 20, and the typed client splits larger ones", async () => {
    const paths = Array.from({ length: 20 }, () => "packages.search").join(",");
    const inputs = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [index, { json: { query: "x" } }]));
    const response = await trpcHandler()(new Request(`${trpcUrl}/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`));
    expect(response.status).toBe(200);

    const handler = trpcHandler();
    let requests = 0;
    const granary = createGranaryClient({
      url: "http://granary.test",
      fetch: async (input, init) => {
        requests += 1;
        return handler(new Request(input as string, init as RequestInit));
      },
    });
    const results = await Promise.all(Array.from({ length: 45 }, (_, index) => granary.packages.search.query({ query: `x${index}` })));
    expect(results).toHaveLength(45);
    expect(requests).toBe(3);
  });
});
