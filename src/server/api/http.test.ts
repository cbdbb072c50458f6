/** The tRPC endpoint over HTTP: malformed requests are the client's mistake (a 400, never an exceptions row). */
import { afterEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
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
