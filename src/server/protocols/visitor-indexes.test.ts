/**
 * A visitor's index answered from memory (index.ts, answerFromMemory): the same status, headers and bytes as the long
 * way, and never once something changed, whoever changed it, or for anyone who sent credentials and would see more
 * than a visitor (a public project's page is the same to every reader who may read the channel).
 */
import fs from "node:fs";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createSiteAdmin, createUser, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { anonymousActor, knownAudience } from "../authz";
import { packages } from "../db/schema";
import { updateGeneralSettings } from "../services/general-settings";
import { bumpChannelRevision } from "../services/owners";
import { setPrivacy } from "../services/package-changes";
import { revokeToken } from "../services/tokens";
import { visitorAudience } from "./context";
import { basicAuthorization, call, condaStyleUpload, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer, type WireResponse } from "./test-support";

const db = setUpTestDatabase();

requireTools("cph", "pythonBuild");

let directory: string;
let library: string;
let application: string;
let wheel: string;

beforeAll(() => {
  directory = temporaryDirectory("visitor-index-fixtures");
  library = buildCondaPackage({ name: "libdemo", version: "1.0", summary: "The demo library" }, directory);
  application = buildCondaPackage({ name: "demo-app", version: "2.1", depends: ["libdemo >=1.0"] }, directory, "conda");
  wheel = buildPythonDistributions({ name: "Demo_Tool", version: "1.0" }, directory).wheel;
}, 120_000);

afterAll(() => {
  if (directory) fs.rmSync(directory, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;
const aliceAuth = () => ({ Authorization: basicAuthorization("alice", alice.password) });

beforeEach(async () => {
  // Owners remembered for a minute, as long as the listener listens: whatever is seen here is forgotten on change.
  server = await startTestServer(db, { channelMemoMilliseconds: 60_000 });
  alice = await createUser(db, { username: "alice" });
  expect((await condaStyleUpload(server, "alice", library, aliceAuth())).status).toBe(201);
  expect((await twineStyleUpload(server, "alice", wheel, aliceAuth())).status).toBe(200);
  await server.changes.settle();
});

afterEach(async () => {
  await server.close();
});

const repodata = "/alice/noarch/repodata.json";
const pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

/** A visitor's repodata, asked twice: the second answer must come from memory. */
async function visitorRepodata(target = server): Promise<WireResponse> {
  await call(target, repodata);
  const before = target.handler.answeredFromMemory;
  const response = await call(target, repodata);
  expect(target.handler.answeredFromMemory).toBe(before + 1);
  return response;
}

function recordNames(response: WireResponse): string[] {
  const document = JSON.parse(response.text) as { packages: object; "packages.conda": object };
  return [...Object.keys(document.packages), ...Object.keys(document["packages.conda"])].sort();
}

/** Everything of an answer but what differs from one answer to the next. */
function comparable(response: WireResponse) {
  const { date: _date, "x-request-id": requestId, ...headers } = response.headers;
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  return { status: response.status, headerNames: Object.keys(headers), headers, body: response.body.toString("base64") };
}

describe("a visitor's index from memory", () => {
  it("is what the long way answers, header for header and byte for byte: gzip, identity, HEAD, 304s, every index", async () => {
    // The same database through a server that remembers nothing, so it answers every request the long way.
    const longWay = await startTestServer(db, { channelMemoMilliseconds: 0 });
    try {
      const gzip = { "Accept-Encoding": "gzip" };
      const first = await call(server, repodata, { headers: gzip });
      const etag = String(first.headers.etag);
      const lastModified = String(first.headers["last-modified"]);
      const variants: { target: string; method?: string; headers?: Record<string, string> }[] = [
        { target: repodata, headers: gzip },
        { target: repodata },
        { target: repodata, method: "HEAD", headers: gzip },
        { target: repodata, headers: { ...gzip, "If-None-Match": etag } },
        { target: repodata, headers: { ...gzip, "If-None-Match": `"other", W/${etag}` } },
        { target: repodata, headers: { "If-Modified-Since": lastModified } },
        { target: repodata, headers: { "If-None-Match": '"stale"' } },
        { target: "/alice/label/main/noarch/repodata.json", headers: gzip },
        { target: "/alice/current_repodata.json" },
        { target: "/alice/channeldata.json", headers: gzip },
        { target: "/alice/simple/", headers: { Accept: pipAccept } },
        { target: "/alice/simple/" },
        { target: "/alice/simple/demo-tool/", headers: { Accept: pipAccept, "Accept-Encoding": "gzip, deflate" } },
        { target: "/alice/simple/demo-tool/", method: "HEAD" },
        { target: "/alice/simple/demo-tool/", headers: { Accept: "text/html" } },
      ];
      for (const variant of variants) {
        // The first request builds what the second finds in memory.
        await call(server, variant.target, variant);
        const before = server.handler.answeredFromMemory;
        const fromMemory = await call(server, variant.target, variant);
        const expected = await call(longWay, variant.target, variant);
        expect(comparable(fromMemory), `${variant.method ?? "GET"} ${variant.target} ${JSON.stringify(variant.headers ?? {})}`).toEqual(comparable(expected));
        // A path that is not an index (current_repodata.json under a subdir only) must not count as answered.
        if (expected.status === 404) expect(server.handler.answeredFromMemory).toBe(before);
        else expect(server.handler.answeredFromMemory).toBe(before + 1);
      }
      expect(longWay.handler.answeredFromMemory).toBe(0);
    } finally {
      await longWay.close();
    }
  });

  it("is never what someone with credentials gets: they see their private packages, and a revoked token stops at once", async () => {
    expect((await condaStyleUpload(server, "alice", application, aliceAuth(), { private: true })).status).toBe(201);
    // The upload's own notification comes back and forgets the owner once more: let it arrive first.
    await server.changes.settle();
    expect(recordNames(await visitorRepodata())).toEqual(["libdemo-1.0-py_0.tar.bz2"]);

    const token = await createAccessToken(db, alice, { scopes: ["repos"] });
    const owned = ["demo-app-2.1-py_0.conda", "libdemo-1.0-py_0.tar.bz2"];
    const before = server.handler.answeredFromMemory;
    for (const headers of [aliceAuth(), { Authorization: `Bearer ${token.secret}` }, { "X-API-Key": token.secret }] as Record<string, string>[]) {
      // Twice each: the second finds the owner's view in memory too, and still goes the long way.
      for (let attempt = 0; attempt < 2; attempt += 1) expect(recordNames(await call(server, repodata, { headers }))).toEqual(owned);
    }
    expect(recordNames(await call(server, `/t/${token.secret}${repodata}`))).toEqual(owned);
    expect(server.handler.answeredFromMemory).toBe(before);

    await revokeToken(db, alice.actor, { id: token.id });
    for (const headers of [{ Authorization: `Bearer ${token.secret}` }, { "X-API-Key": token.secret }] as Record<string, string>[]) {
      const refused = await call(server, repodata, { headers });
      expect(refused.status).toBe(401);
      expect(refused.text).toContain("revoked");
    }
    expect((await call(server, `/t/${token.secret}${repodata}`)).status).toBe(401);
    // Wrong credentials are refused even where a visitor's answer is in memory.
    expect((await call(server, repodata, { headers: { Authorization: basicAuthorization("alice", "wrong") } })).status).toBe(401);
  });

  it("is sent to a reader with a remembered token where it is what they see: a public project's page, as the long way sends it to them", async () => {
    const longWay = await startTestServer(db, { channelMemoMilliseconds: 0 });
    try {
      const token = await createAccessToken(db, alice, { scopes: ["repos"] });
      const project = "/alice/simple/demo-tool/";
      const readers: { target: string; headers: Record<string, string> }[] = [
        { target: project, headers: { Accept: pipAccept, Authorization: `Bearer ${token.secret}` } },
        { target: project, headers: { Accept: pipAccept, "Accept-Encoding": "gzip", Authorization: basicAuthorization("__token__", token.secret) } },
        { target: project, headers: { "X-API-Key": token.secret } },
        { target: `/t/${token.secret}${project}`, headers: { Accept: pipAccept } },
      ];
      for (const reader of readers) {
        // The first request verifies the token (and records its use) and builds the page; the second finds both.
        await call(server, reader.target, reader);
        const before = server.handler.answeredFromMemory;
        const fromMemory = await call(server, reader.target, reader);
        expect(server.handler.answeredFromMemory, JSON.stringify(reader.headers)).toBe(before + 1);
        expect(comparable(fromMemory)).toEqual(comparable(await call(longWay, reader.target, reader)));
        expect(fromMemory.headers["cache-control"]).toBe("private, no-cache");
      }
      // The owner's repodata holds her private packages: never the visitor's, however often she asks.
      expect((await condaStyleUpload(server, "alice", application, aliceAuth(), { private: true })).status).toBe(201);
      await server.changes.settle();
      const bearer = { Authorization: `Bearer ${token.secret}` };
      await visitorRepodata();
      await call(server, repodata, { headers: bearer });
      const before = server.handler.answeredFromMemory;
      expect(recordNames(await call(server, repodata, { headers: bearer }))).toEqual(["demo-app-2.1-py_0.conda", "libdemo-1.0-py_0.tar.bz2"]);
      expect(server.handler.answeredFromMemory).toBe(before);

      // Revoked: refused on the very next request, where the page is in memory.
      await revokeToken(db, alice.actor, { id: token.id });
      const refused = await call(server, project, { headers: bearer });
      expect(refused.status).toBe(401);
      expect(refused.text).toContain("revoked");
    } finally {
      await longWay.close();
    }
  });

  it("is not sent to a reader whose token may not read it: restricted to another channel (404), or without the scope (403)", async () => {
    const bob = await createUser(db, { username: "bob" });
    const elsewhere = await createAccessToken(db, alice, { scopes: ["repos"], channelOwnerId: bob.id });
    const condaOnly = await createAccessToken(db, alice, { scopes: ["conda:download"] });
    const project = "/alice/simple/demo-tool/";
    await call(server, project);
    for (const [token, status] of [
      [elsewhere, 404],
      [condaOnly, 403],
    ] as const) {
      const headers = { Authorization: `Bearer ${token.secret}` };
      for (let attempt = 0; attempt < 2; attempt += 1) expect((await call(server, project, { headers })).status).toBe(status);
    }
  });

  it("shows an upload through the handler on the very next request, in every index", async () => {
    await visitorRepodata();
    const channeldataPackages = async () => Object.keys((JSON.parse((await call(server, "/alice/channeldata.json")).text) as { packages: object }).packages);
    await channeldataPackages();
    expect(await channeldataPackages()).toEqual(["libdemo"]);
    expect((await condaStyleUpload(server, "alice", application, aliceAuth())).status).toBe(201);
    // No waiting for the upload's notification: the handler forgets the owner as the upload commits.
    expect(recordNames(await call(server, repodata))).toEqual(["demo-app-2.1-py_0.conda", "libdemo-1.0-py_0.tar.bz2"]);
    // Once the upload's own notification has come back (it forgets the owner once more), the owner's new revision is
    // remembered again after one request, while channeldata's entry is still the old revision's.
    await server.changes.settle();
    expect(recordNames(await call(server, repodata))).toEqual(["demo-app-2.1-py_0.conda", "libdemo-1.0-py_0.tar.bz2"]);
    const before = server.handler.answeredFromMemory;
    expect((await channeldataPackages()).sort()).toEqual(["demo-app", "libdemo"]);
    expect(server.handler.answeredFromMemory).toBe(before);
    expect((await channeldataPackages()).sort()).toEqual(["demo-app", "libdemo"]);
    expect(server.handler.answeredFromMemory).toBe(before + 1);
  });

  it("shows a privacy change made by the web app's services on the very next request", async () => {
    await visitorRepodata();
    await setPrivacy(db, alice.actor, { owner: "alice", name: "libdemo", isPrivate: true });
    expect(recordNames(await call(server, repodata))).toEqual([]);
    await call(server, "/alice/simple/demo-tool/", { headers: { Accept: pipAccept } });
    expect((await call(server, "/alice/simple/demo-tool/", { headers: { Accept: pipAccept } })).status).toBe(200);
    await setPrivacy(db, alice.actor, { owner: "alice", name: "demo-tool", isPrivate: true });
    expect((await call(server, "/alice/simple/demo-tool/", { headers: { Accept: pipAccept } })).status).toBe(404);
  });

  it("shows a change made by another app server once its notification arrives, on every app server", async () => {
    const second = await startTestServer(db, { channelMemoMilliseconds: 60_000 });
    try {
      await visitorRepodata();
      await visitorRepodata(second);
      // Rows changed directly, as another app server would: nothing in this process is told but the listeners.
      await db.transaction(async (tx) => {
        await tx.update(packages).set({ isPrivate: true }).where(eq(packages.name, "libdemo"));
        await bumpChannelRevision(tx, alice.id);
      });
      await Promise.all([server.changes.settle(), second.changes.settle()]);
      for (const target of [server, second]) expect(recordNames(await call(target, repodata))).toEqual([]);

      // An upload through one app server reaches the other's next request.
      expect((await condaStyleUpload(server, "alice", application, aliceAuth())).status).toBe(201);
      await second.changes.settle();
      expect(recordNames(await call(second, repodata))).toEqual(["demo-app-2.1-py_0.conda"]);
    } finally {
      await second.close();
    }
  });

  it("follows a change of the static URL at once", async () => {
    const admin = await createSiteAdmin(db, { username: "root" });
    await visitorRepodata();
    await updateGeneralSettings(db, admin.actor, { siteUrl: "", staticUrl: "https://cdn.example.test", defaultPackageAccess: "public" });
    const moved = JSON.parse((await call(server, repodata)).text) as { info: { base_url?: string } };
    expect(moved.info.base_url).toBe("https://cdn.example.test/alice/noarch/");
  });

  it("is not used while the change listener is down, when changes elsewhere would go unheard", async () => {
    await visitorRepodata();
    // The listener's connection, whose last statement was its LISTEN or settle()'s notification.
    await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and (query like 'listen "granary_credential_changes"%' or query like 'select pg_notify(%') and pid <> pg_backend_pid()`);
    await vi.waitFor(() => expect(server.changes.active).toBe(false), { timeout: 5_000, interval: 5 });
    const before = server.handler.answeredFromMemory;
    expect((await call(server, repodata)).status).toBe(200);
    expect((await call(server, repodata)).status).toBe(200);
    expect(server.handler.answeredFromMemory).toBe(before);
  });

  it("answers for the audience the policy gives visitors", () => {
    expect(knownAudience(anonymousActor(), "any-owner")).toBe(visitorAudience);
  });
});
