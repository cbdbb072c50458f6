/**
 * Access tokens at the package endpoints, over real HTTP: every way clients send them, scopes and channel
 * restrictions, revocation and expiry on the next request, redirects that keep a path token, tokens kept out of
 * the exceptions table, and the leak-report endpoint.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createUser, onlyEmailTo, recordedAuditEvents, type TestToken, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { accessTokens, exceptions, systemLogs } from "../db/schema";
import { revokeToken } from "../services/tokens";
import { splitPathToken, withPathToken } from "./path-token";
import {
  basicAuthorization,
  call,
  condaStyleUpload,
  sha256Of,
  startTestServer,
  temporaryDirectory,
  twineStyleUpload,
  type TestServer,
} from "./test-support";

const db = setUpTestDatabase();

requireTools("cph", "pythonBuild");

describe("/t/<token>/ in paths", () => {
  const token = `granary-${"A".repeat(43)}`;

  it("is taken out wherever it is, keeping the query", () => {
    expect(splitPathToken(`/t/${token}/alice/noarch/repodata.json?x=1`)).toEqual({
      target: "/alice/noarch/repodata.json?x=1",
      pathToken: { token, segmentIndex: 0 },
    });
    expect(splitPathToken(`/alice/t/${token}/simple/demo/`)).toEqual({ target: "/alice/simple/demo/", pathToken: { token, segmentIndex: 1 } });
    expect(splitPathToken(`/t/${token}`)).toEqual({ target: "/", pathToken: { token, segmentIndex: 0 } });
    // At the start anything is a token (no owner is named t), so a wrong one is refused rather than routed.
    expect(splitPathToken("/t/wrong/alice/")).toEqual({ target: "/alice/", pathToken: { token: "wrong", segmentIndex: 0 } });
  });

  it("leaves alone what is not a token: a label named t, or no t at all", () => {
    expect(splitPathToken("/alice/label/t/noarch/repodata.json")).toBeNull();
    expect(splitPathToken("/alice/noarch/repodata.json")).toBeNull();
    expect(splitPathToken("/t//alice")).toBeNull();
  });

  it("goes back into redirects where the client had it", () => {
    expect(withPathToken("/alice/simple/demo/?q=1", { token, segmentIndex: 0 })).toBe(`/t/${token}/alice/simple/demo/?q=1`);
    expect(withPathToken("/alice/simple/demo/", { token, segmentIndex: 1 })).toBe(`/alice/t/${token}/simple/demo/`);
    expect(withPathToken("/alice/simple/demo/", undefined)).toBe("/alice/simple/demo/");
  });
});

interface Fixtures {
  directory: string;
  library: string;
  otherLibrary: string;
  wheel: string;
}
let fixtures: Fixtures;

beforeAll(() => {
  const directory = temporaryDirectory("token-fixtures");
  fixtures = {
    directory,
    library: buildCondaPackage({ name: "tokdemo", version: "1.0" }, directory),
    otherLibrary: buildCondaPackage({ name: "tokdemo-extra", version: "1.0" }, directory),
    wheel: buildPythonDistributions({ name: "Tok_Tool", version: "1.0" }, directory).wheel,
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeEach(async () => {
  server = await startTestServer(db);
  alice = await createUser(db, { username: "alice" });
  bob = await createUser(db, { username: "bob" });
});

afterEach(async () => {
  await server.close();
});

const aliceBasic = () => ({ Authorization: basicAuthorization("alice", alice.password) });

/** alice's private conda package and private wheel, and bob's public conda package. */
async function publishPrivateContent(): Promise<void> {
  expect((await condaStyleUpload(server, "alice", fixtures.library, aliceBasic(), { private: true })).status).toBe(201);
  expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceBasic())).status).toBe(200);
  await db.execute(`update packages set is_private = true`);
  await db.execute(`update channel_revisions set revision = revision + 1`);
  const bobBasic = { Authorization: basicAuthorization("bob", bob.password) };
  expect((await condaStyleUpload(server, "bob", fixtures.otherLibrary, bobBasic)).status).toBe(201);
}

const repodataPath = "/alice/noarch/repodata.json";
const libraryFile = () => path.basename(fixtures.library);

describe("tokens at the package endpoints", () => {
  it("work in the path, as Bearer, as X-API-Key and as Basic with __token__ or the owner's username", async () => {
    await publishPrivateContent();
    const passwordChecks = server.handler.services.credentials.passwordChecks;
    const { secret } = await createAccessToken(db, alice, { scopes: ["conda:download"] });
    const ways: [string, Record<string, string>][] = [
      [`/t/${secret}${repodataPath}`, {}],
      [`/alice/t/${secret}/noarch/repodata.json`, {}],
      [repodataPath, { Authorization: `Bearer ${secret}` }],
      [repodataPath, { "X-API-Key": secret }],
      [repodataPath, { Authorization: basicAuthorization("__token__", secret) }],
      [repodataPath, { Authorization: basicAuthorization("alice", secret) }],
    ];
    for (const [target, headers] of ways) {
      const response = await call(server, target, { headers });
      expect(response.status, target).toBe(200);
      expect(response.text, target).toContain(libraryFile());
      expect(response.headers["cache-control"]).toBe("private, no-cache");
    }
    expect((await call(server, repodataPath)).text).not.toContain(libraryFile());
    const download = await call(server, `/t/${secret}/alice/noarch/${libraryFile()}`);
    expect(download.status).toBe(200);
    expect(sha256Of(download.body)).toBe(sha256Of(fs.readFileSync(fixtures.library)));
    // Tokens never go through the Basic password cache.
    expect(server.handler.services.credentials.passwordChecks).toBe(passwordChecks);
  });

  it("refuse a wrong token with a Basic challenge, even for public content", async () => {
    const wrong = `granary-${"z".repeat(43)}`;
    for (const [target, headers] of [
      [`/t/${wrong}/bob/noarch/repodata.json`, {}],
      ["/t/not-a-token/bob/noarch/repodata.json", {}],
      ["/bob/noarch/repodata.json", { Authorization: `Bearer ${wrong}` }],
      ["/bob/noarch/repodata.json", { "X-API-Key": wrong }],
      ["/bob/noarch/repodata.json", { Authorization: basicAuthorization("bob", wrong) }],
    ] as const) {
      const response = await call(server, target, { headers });
      expect(response.status, target).toBe(401);
      expect(response.headers["www-authenticate"]).toBe('Basic realm="Granary"');
    }
  });

  it("stop working on the very next request after revocation or expiry", async () => {
    await publishPrivateContent();
    const revoked = await createAccessToken(db, alice, { scopes: ["repos"] });
    const expiring = await createAccessToken(db, alice, { scopes: ["repos"] });
    for (const token of [revoked, expiring]) expect((await call(server, `/t/${token.secret}${repodataPath}`)).status).toBe(200);
    await revokeToken(db, alice.actor, { id: revoked.id });
    // Changed in the database directly, as another app server would: this server hears of it.
    await db.update(accessTokens).set({ expiresAt: new Date(Date.now() - 1) }).where(eq(accessTokens.id, expiring.id));
    await server.tokenCache.settle();
    const afterRevocation = await call(server, `/t/${revoked.secret}${repodataPath}`);
    expect(afterRevocation.status).toBe(401);
    expect(afterRevocation.text).toContain("revoked");
    const afterExpiry = await call(server, `/alice/pypi/files/${path.basename(fixtures.wheel)}`, {
      headers: { Authorization: basicAuthorization("__token__", expiring.secret) },
    });
    expect(afterExpiry.status).toBe(401);
    expect(afterExpiry.text).toContain("expired");
    expect((await recordedAuditEvents(db, { action: "token.expired" })).map((event) => event.targetId)).toEqual([expiring.id]);
  });

  it("are checked on every request of a kept-alive connection, whoever's they are", async () => {
    await publishPrivateContent();
    const own = await createAccessToken(db, alice, { scopes: ["conda:download"] });
    const bobs = await createAccessToken(db, bob, { scopes: ["conda:download"] });
    // One connection for everything, as a package client or a proxy in front of Granary keeps it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const fetchRepodata = (headers: Record<string, string>) => call(server, repodataPath, { headers, agent });
      const asAlice = { Authorization: basicAuthorization("__token__", own.secret) };
      const first = await fetchRepodata(asAlice);
      expect(first.text).toContain(libraryFile());
      const again = await fetchRepodata(asAlice);
      expect(again.reusedSocket).toBe(true);
      expect(again.text).toContain(libraryFile());
      // Another client's token on the same connection is bob's: alice's private package is not there.
      const asBob = await fetchRepodata({ Authorization: basicAuthorization("__token__", bobs.secret) });
      expect(asBob.status).toBe(200);
      expect(asBob.text).not.toContain(libraryFile());
      // The same secret in another header, and the owner's username with the token, are read afresh.
      expect((await fetchRepodata({ "X-API-Key": own.secret })).text).toContain(libraryFile());
      expect((await fetchRepodata({ Authorization: basicAuthorization("bob", own.secret) })).status).toBe(401);
      expect((await fetchRepodata(asAlice)).text).toContain(libraryFile());
      // A revocation takes effect on the connection's very next request.
      await revokeToken(db, alice.actor, { id: own.id });
      const revoked = await fetchRepodata(asAlice);
      expect(revoked.reusedSocket).toBe(true);
      expect(revoked.status).toBe(401);
      expect(revoked.text).toContain("revoked");
    } finally {
      agent.destroy();
    }
  });

  it("keep a path token across the simple index's redirects", async () => {
    await publishPrivateContent();
    const { secret } = await createAccessToken(db, alice, { scopes: ["pypi:download"] });
    const redirect = await call(server, `/t/${secret}/alice/simple/Tok_Tool`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`/t/${secret}/alice/simple/tok-tool/`);
    expect(redirect.headers["cache-control"]).toBe("private, no-store");
    const page = await call(server, redirect.headers.location!);
    expect(page.status).toBe(200);
    // Links are relative, so they carry the token too.
    expect(page.text).toContain(`href="../../pypi/files/${path.basename(fixtures.wheel)}#sha256=`);
    expect((await call(server, "/alice/simple/Tok_Tool")).headers.location).toBe("/alice/simple/tok-tool/");
  });

  it("keep the token out of the exceptions table and the API errors log", async () => {
    await publishPrivateContent();
    const { secret } = await createAccessToken(db, alice, { scopes: ["conda:download"] });
    // Stored bytes that cannot be opened (a link to itself: ELOOP) are a server error.
    const blob = server.store.blobPath(sha256Of(fs.readFileSync(fixtures.library)));
    fs.rmSync(blob);
    fs.symlinkSync(blob, blob);
    const response = await call(server, `/t/${secret}/alice/noarch/${libraryFile()}`);
    expect(response.status).toBe(500);
    const recorded = await db.select().from(exceptions);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.route).toBe(`/alice/noarch/${libraryFile()}`);
    expect(JSON.stringify(recorded)).not.toContain(secret);
    const logged = await db.select().from(systemLogs);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: "error", category: "api_errors", context: { route: `/alice/noarch/${libraryFile()}`, method: "GET" } });
    expect(JSON.stringify(logged)).not.toContain(secret);
    // The log line names the request, by the id its answer carried.
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(logged[0]?.requestId).toBe(response.headers["x-request-id"]);
    // A proxy's own id is kept when it looks like one, and replaced when it does not.
    await db.delete(systemLogs);
    const proxied = await call(server, `/t/${secret}/alice/noarch/${libraryFile()}`, { headers: { "X-Request-Id": "edge-7f3a.42" } });
    expect(proxied.headers["x-request-id"]).toBe("edge-7f3a.42");
    expect((await db.select().from(systemLogs)).map((row) => row.requestId)).toEqual(["edge-7f3a.42"]);
    const forged = await call(server, `/t/${secret}/alice/noarch/${libraryFile()}`, { headers: { "X-Request-Id": "x\" level=info" } });
    expect(forged.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("scopes and channels at the package endpoints", () => {
  const auth = (token: TestToken) => ({ Authorization: `Bearer ${token.secret}` });

  it("conda:download reads private channels but uploads nothing and reads no PyPI index", async () => {
    await publishPrivateContent();
    const token = await createAccessToken(db, alice, { scopes: ["conda:download"] });
    expect((await call(server, repodataPath, { headers: auth(token) })).text).toContain(libraryFile());
    expect((await call(server, "/alice/simple/", { headers: auth(token) })).status).toBe(403);
    expect((await call(server, `/alice/pypi/files/${path.basename(fixtures.wheel)}`, { headers: auth(token) })).status).toBe(403);
    expect((await condaStyleUpload(server, "alice", fixtures.otherLibrary, auth(token))).status).toBe(403);
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, auth(token))).status).toBe(403);
  });

  it("uploads only the kinds of file of the token's ecosystem, through either route", async () => {
    const pypiUpload = await createAccessToken(db, alice, { scopes: ["pypi:upload"] });
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, { Authorization: basicAuthorization("__token__", pypiUpload.secret) })).status).toBe(200);
    const refused = await condaStyleUpload(server, "alice", fixtures.library, auth(pypiUpload));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toEqual({ error: expect.stringContaining("pypi:upload") });
    // A conda package is no Python distribution, whatever the token: twine's route takes only those.
    const condaThroughTwine = await twineStyleUpload(server, "alice", fixtures.library, auth(pypiUpload));
    expect(condaThroughTwine.status).toBe(400);
    expect(condaThroughTwine.text).toContain("Python distributions only");
    // Reading the index it uploads to is another scope.
    expect((await call(server, "/alice/simple/", { headers: auth(pypiUpload) })).status).toBe(403);

    const conda = await createAccessToken(db, alice, { scopes: ["conda"] });
    expect((await condaStyleUpload(server, "alice", fixtures.library, { "X-API-Key": conda.secret })).status).toBe(201);
    const wheelThroughTheApi = await condaStyleUpload(server, "alice", fixtures.wheel, auth(conda), { force: true });
    expect(wheelThroughTheApi.status).toBe(403);
    expect(JSON.parse(wheelThroughTheApi.text)).toEqual({ error: expect.stringContaining("cannot upload python distributions") });
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, auth(conda), {})).status).toBe(403);
    const events = await recordedAuditEvents(db, { action: "package.file_uploaded" });
    expect(events.map((event) => (event.details as { token?: { id: string } }).token?.id)).toEqual([pypiUpload.id, conda.id]);
  });

  it("a channel-restricted token sees nothing outside its channel, public or not", async () => {
    await publishPrivateContent();
    const toBob = await createAccessToken(db, alice, { scopes: ["all"], channelOwnerId: bob.id });
    expect((await call(server, "/bob/noarch/repodata.json", { headers: auth(toBob) })).text).toContain(path.basename(fixtures.otherLibrary));
    expect((await call(server, repodataPath, { headers: auth(toBob) })).status).toBe(404);
    expect((await call(server, `/alice/noarch/${libraryFile()}`, { headers: auth(toBob) })).status).toBe(404);
    expect((await condaStyleUpload(server, "alice", fixtures.otherLibrary, auth(toBob))).status).toBe(404);
    // Bob's channel is not alice's to publish in, restriction or not.
    expect((await condaStyleUpload(server, "bob", fixtures.library, auth(toBob))).status).toBe(403);

    const toAlice = await createAccessToken(db, alice, { scopes: ["all"], channelOwnerId: alice.id });
    expect((await call(server, repodataPath, { headers: auth(toAlice) })).text).toContain(libraryFile());
    expect((await call(server, "/bob/noarch/repodata.json", { headers: auth(toAlice) })).status).toBe(404);
  });

  it("refuses Basic credentials for an upload from another site's page", async () => {
    const response = await condaStyleUpload(server, "alice", fixtures.library, { ...aliceBasic(), "Sec-Fetch-Site": "cross-site" });
    expect(response.status).toBe(401);
    expect((await condaStyleUpload(server, "alice", fixtures.library, { ...aliceBasic(), "Sec-Fetch-Site": "same-origin" })).status).toBe(201);
  });
});

describe("the leak-report endpoint", () => {
  const report = (body: unknown, headers: Record<string, string> = {}) =>
    call(server, "/api/tokens/leak-report", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("revokes reported tokens, tells their owner once, and answers alike for tokens that are not live", async () => {
    const leaked = await Promise.all(["leaked-one", "leaked-two", "leaked-three"].map((name) => createAccessToken(db, alice, { name })));
    for (const token of leaked) expect((await call(server, "/alice/noarch/repodata.json", { headers: { "X-API-Key": token.secret } })).status).toBe(200);
    const known = await report(
      leaked.map((token) => ({ token: token.secret, url: "https://example.org/paste/1", source: "paste" })),
      { Authorization: "Bearer garbage" },
    );
    expect(known.status).toBe(200);
    expect(JSON.parse(known.text)).toMatchObject({ received: 3, revoked: 3 });
    for (const token of leaked) expect((await call(server, "/alice/noarch/repodata.json", { headers: { "X-API-Key": token.secret } })).status).toBe(401);
    const mail = await onlyEmailTo(db, alice.email);
    expect(mail.template).toBe("tokenLeaked");
    for (const token of leaked) expect(mail.text).toContain(token.name);
    const events = await recordedAuditEvents(db, { action: "token.leak_reported" });
    expect(events.map((event) => event.targetId).sort()).toEqual(leaked.map((token) => token.id).sort());
    expect(events[0]).toMatchObject({ subjectUserId: alice.id, details: { url: "https://example.org/paste/1", source: "paste" } });

    // Reported again, the same tokens answer exactly as tokens that never existed.
    const again = await report([{ token: leaked[0]!.secret }]);
    const unknown = await report([{ token: `granary-${"Q".repeat(43)}` }]);
    expect(again.text).toBe(unknown.text);
    expect(JSON.parse(unknown.text)).toMatchObject({ received: 1, revoked: 0 });
  });

  it("takes at most 100 entries and 1 MiB, refused before anything is revoked or read into memory", async () => {
    const token = await createAccessToken(db, alice);
    const tooMany = await report([{ token: token.secret }, ...Array.from({ length: 100 }, () => ({ token: `granary-${"Q".repeat(43)}` }))]);
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.text)).toEqual({ error: "The report is not valid: Report at most 100 tokens at a time." });

    const tooLarge = JSON.stringify([{ token: token.secret, source: "x".repeat(1024 * 1024) }]);
    expect((await report(tooLarge)).status).toBe(413);
    // Without a Content-Length the body is counted as it arrives.
    const chunked = await new Promise<number>((resolve, reject) => {
      const request = http.request(
        { host: "127.0.0.1", port: server.port, path: "/api/tokens/leak-report", method: "POST", headers: { "Content-Type": "application/json" } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", reject);
      request.write(`[{"token":"${token.secret}","source":"`);
      for (let chunk = 0; chunk < 20; chunk++) request.write("y".repeat(64 * 1024));
      request.end('"}]');
    });
    expect(chunked).toBe(413);
    expect((await call(server, "/alice/noarch/repodata.json", { headers: { "X-API-Key": token.secret } })).status).toBe(200);
  });

  it("refuses what is not a report with 400 and other methods with 405", async () => {
    expect((await report("not json")).status).toBe(400);
    expect((await report({ token: "granary-x" })).status).toBe(400);
    const wrongMethod = await call(server, "/api/tokens/leak-report");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("POST");
  });
});
