/**
 * The protocol handler on a real port, with real conda packages, wheels and sdists built by the publishers' own
 * tools: routes and status codes, privacy, labels, caching, downloads, uploads and their failures.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { and, eq, sql } from "drizzle-orm";
import Bunzip from "seek-bzip";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createSession, createSiteAdmin, createUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions, writeNotebook } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { channelRevisions, dailyDownloads, exceptions, fileLabels, packageFiles, packages, users } from "../db/schema";
import { sessionActor } from "../authz";
import { toActorUser } from "../services/account-records";
import { bumpChannelRevision } from "../services/owners";
import { addLabel, deleteFile, setPrivacy, setReleaseYanked } from "../services/package-changes";
import { hashPassword } from "../services/passwords";
import { signOut } from "../services/sessions";
import { bzip2Executable } from "./bzip2";
import {
  basicAuthorization,
  call,
  condaStyleUpload,
  multipartBody,
  sessionCookie,
  sha256Of,
  startTestServer,
  storedFiles,
  temporaryDirectory,
  twineStyleUpload,
  type TestServer,
} from "./test-support";

const db = setUpTestDatabase();

requireTools("cph", "pythonBuild");

interface Fixtures {
  directory: string;
  /** noarch .tar.bz2 */
  library: string;
  /** noarch .conda depending on the library */
  application: string;
  /** linux-64 .tar.bz2 */
  native: string;
  wheel: string;
  sdist: string;
  notebook: string;
  garbage: string;
}

let fixtures: Fixtures;

beforeAll(() => {
  const directory = temporaryDirectory("protocol-fixtures");
  const { wheel, sdist } = buildPythonDistributions({ name: "Demo_Tool", version: "1.0", requiresPython: ">=3.8,<4" }, directory);
  const garbage = path.join(directory, "broken-1.0-0.tar.bz2");
  fs.writeFileSync(garbage, "this is not a conda package");
  fixtures = {
    directory,
    library: buildCondaPackage({ name: "libdemo", version: "1.0", summary: "The demo library", license: "BSD-3-Clause" }, directory),
    application: buildCondaPackage({ name: "demo-app", version: "2.1", depends: ["libdemo >=1.0"] }, directory, "conda"),
    native: buildCondaPackage({ name: "native-demo", version: "0.3", subdir: "linux-64", build: "h1234_0" }, directory),
    wheel,
    sdist,
    notebook: writeNotebook(directory),
    garbage,
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeEach(async () => {
  server = await startTestServer(db, { maxUploadBytes: 64 * 1024 });
  alice = await createUser(db, { username: "alice" });
  bob = await createUser(db, { username: "bob" });
});

afterEach(async () => {
  await server.close();
});

const aliceAuth = () => ({ Authorization: basicAuthorization("alice", alice.password) });

function condaUpload(file: string, options: { label?: string; private?: boolean; force?: boolean; sha256?: string; auth?: Record<string, string> } = {}) {
  return condaStyleUpload(server, "alice", file, options.auth ?? aliceAuth(), options);
}

function twineUpload(file: string, fieldOverrides: Record<string, string> = {}, auth: Record<string, string> = aliceAuth()) {
  return twineStyleUpload(server, "alice", file, auth, fieldOverrides);
}

async function json(response: { text: string }) {
  return JSON.parse(response.text) as Record<string, unknown>;
}

describe("security headers", () => {
  it("come with every answer: indexes, files, errors, refusals and uploads", async () => {
    const uploaded = await condaUpload(fixtures.library);
    expect(uploaded.status).toBe(201);
    const answers = [
      uploaded,
      await call(server, "/alice/noarch/repodata.json"),
      await call(server, "/alice/noarch/libdemo-1.0-py_0.tar.bz2"),
      await call(server, "/alice/simple/"),
      await call(server, "/nobody/noarch/repodata.json"),
      await call(server, "/alice/noarch/x%00.conda"),
      await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: basicAuthorization("alice", "wrong") } }),
      await call(server, "/alice/noarch/repodata.json", { method: "DELETE" }),
    ];
    for (const answer of answers) {
      expect(answer.headers["content-security-policy"], String(answer.status)).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.headers["x-frame-options"]).toBe("DENY");
      expect(answer.headers["referrer-policy"]).toBe("same-origin");
      expect(answer.headers["strict-transport-security"]).toBeUndefined();
    }
  });
});

describe("conda channels", () => {
  it("serves a valid, empty noarch repodata for an owner without packages, and 404 for unknown owners", async () => {
    const empty = await call(server, "/alice/noarch/repodata.json");
    expect(empty.status).toBe(200);
    expect(empty.headers["content-type"]).toBe("application/json");
    expect(await json(empty)).toEqual({ info: { subdir: "noarch" }, packages: {}, "packages.conda": {}, removed: [], repodata_version: 1 });
    expect((await call(server, "/ALICE/linux-64/repodata.json")).status).toBe(200);
    const unknown = await call(server, "/nobody/noarch/repodata.json");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("nobody");
    for (const probe of ["/alice/noarch/repodata.json.zst", "/alice/noarch/repodata_shards.msgpack.zst", "/alice/noarch/run_exports.json"]) {
      expect((await call(server, probe)).status, probe).toBe(404);
    }
    const wrongMethod = await call(server, "/alice/noarch/repodata.json", { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe("GET, HEAD");
  });

  it("publishes uploads into repodata.json and channeldata.json by subdir and format", async () => {
    const uploaded = await condaUpload(fixtures.library);
    expect(uploaded.status).toBe(201);
    expect(await json(uploaded)).toMatchObject({ owner: "alice", name: "libdemo", version: "1.0", subdir: "noarch", labels: ["main"] });
    expect((await condaUpload(fixtures.application)).status).toBe(201);
    expect((await condaUpload(fixtures.native)).status).toBe(201);

    const noarch = await json(await call(server, "/alice/noarch/repodata.json"));
    const libraryBytes = fs.readFileSync(fixtures.library);
    expect(noarch.info).toEqual({ subdir: "noarch" });
    expect(noarch.packages).toEqual({
      "libdemo-1.0-py_0.tar.bz2": expect.objectContaining({
        name: "libdemo",
        version: "1.0",
        build: "py_0",
        build_number: 0,
        depends: [],
        subdir: "noarch",
        size: libraryBytes.length,
        sha256: sha256Of(libraryBytes),
        md5: createHash("md5").update(libraryBytes).digest("hex"),
      }),
    });
    expect(noarch.packages).not.toHaveProperty(["libdemo-1.0-py_0.tar.bz2", "about"]);
    expect(Object.keys(noarch["packages.conda"] as object)).toEqual(["demo-app-2.1-py_0.conda"]);
    expect(noarch["packages.conda"]).toMatchObject({ "demo-app-2.1-py_0.conda": { depends: ["libdemo >=1.0"] } });

    const linux = await json(await call(server, "/alice/linux-64/repodata.json"));
    expect(Object.keys(linux.packages as object)).toEqual(["native-demo-0.3-h1234_0.tar.bz2"]);
    // current_repodata.json is the same document: a superset conda accepts.
    expect((await call(server, "/alice/linux-64/current_repodata.json")).text).toBe(JSON.stringify(linux));

    const channeldata = await json(await call(server, "/alice/channeldata.json"));
    expect(channeldata).toMatchObject({
      channeldata_version: 1,
      subdirs: ["linux-64", "noarch"],
      packages: {
        libdemo: { subdirs: ["noarch"], version: "1.0", summary: "The demo library", license: "BSD-3-Clause" },
        "demo-app": { subdirs: ["noarch"], version: "2.1" },
        "native-demo": { subdirs: ["linux-64"], version: "0.3" },
      },
    });
  });

  it("serves gzip, bzip2 and 304s with validators", async () => {
    await condaUpload(fixtures.library);
    const plain = await call(server, "/alice/noarch/repodata.json");
    expect(plain.headers.etag).toMatch(/^"[^"]+"$/);
    expect(plain.headers["last-modified"]).toBeTruthy();
    expect(plain.headers["cache-control"]).toBe("public, no-cache");
    expect(plain.headers.vary).toBe("Accept-Encoding");

    const gzipped = await call(server, "/alice/noarch/repodata.json", { headers: { "Accept-Encoding": "gzip, deflate" } });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzipped.body).toString("utf8")).toBe(plain.text);
    expect(gzipped.headers.etag).not.toBe(plain.headers.etag);

    const bzipped = await call(server, "/alice/noarch/repodata.json.bz2");
    if (bzip2Executable()) {
      expect(bzipped.status).toBe(200);
      expect(bzipped.headers["content-type"]).toBe("application/x-bzip2");
      expect(Bunzip.decode(bzipped.body)!.toString("utf8")).toBe(plain.text);
    } else {
      // Without Debian's bzip2 the .bz2 index is absent and clients fall back to repodata.json.
      if (process.env.CI === "true") throw new Error("CI must install bzip2 (apt package bzip2) for repodata.json.bz2.");
      expect(bzipped.status).toBe(404);
    }

    const revalidated = await call(server, "/alice/noarch/repodata.json", { headers: { "If-None-Match": plain.headers.etag! } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    const revalidatedGzip = await call(server, "/alice/noarch/repodata.json", { headers: { "If-None-Match": gzipped.headers.etag!, "Accept-Encoding": "gzip" } });
    expect(revalidatedGzip.status).toBe(304);
    const sinceThen = await call(server, "/alice/noarch/repodata.json", { headers: { "If-Modified-Since": plain.headers["last-modified"]! } });
    expect(sinceThen.status).toBe(304);
    const head = await call(server, "/alice/noarch/repodata.json", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers["content-length"])).toBe(plain.body.length);
  });

  it("keeps labels apart, with main equal to no label", async () => {
    expect((await condaUpload(fixtures.library, { label: "dev" })).status).toBe(201);
    const main = await json(await call(server, "/alice/noarch/repodata.json"));
    expect(main.packages).toEqual({});
    const dev = await json(await call(server, "/alice/label/dev/noarch/repodata.json"));
    expect(Object.keys(dev.packages as object)).toEqual(["libdemo-1.0-py_0.tar.bz2"]);
    expect((await call(server, "/alice/label/main/noarch/repodata.json")).text).toBe(JSON.stringify(main));
    expect((await call(server, "/alice/label/dev/noarch/libdemo-1.0-py_0.tar.bz2")).status).toBe(200);
    expect((await call(server, "/alice/noarch/libdemo-1.0-py_0.tar.bz2")).status).toBe(404);
    expect((await call(server, "/alice/label/bad%20label/noarch/repodata.json")).status).toBe(404);
    const channeldata = await json(await call(server, "/alice/label/dev/channeldata.json"));
    expect(Object.keys(channeldata.packages as object)).toEqual(["libdemo"]);
  });

  it("builds an index once per channel revision and rebuilds after a change", async () => {
    await condaUpload(fixtures.library);
    const indexes = server.handler.services.indexes;
    await call(server, "/alice/noarch/repodata.json");
    const builds = indexes.builds;
    await call(server, "/alice/noarch/repodata.json");
    await call(server, "/alice/noarch/repodata.json", { headers: { "Accept-Encoding": "gzip" } });
    expect(indexes.builds).toBe(builds);

    await condaUpload(fixtures.application);
    const after = await json(await call(server, "/alice/noarch/repodata.json"));
    expect(indexes.builds).toBe(builds + 1);
    expect(Object.keys(after["packages.conda"] as object)).toEqual(["demo-app-2.1-py_0.conda"]);

    // Changes made elsewhere (the web UI, another server process) reach the index through the revision too.
    const [file] = await db.select({ id: packageFiles.id }).from(packageFiles).where(eq(packageFiles.filename, "libdemo-1.0-py_0.tar.bz2"));
    await db.delete(fileLabels).where(and(eq(fileLabels.fileId, file!.id), eq(fileLabels.label, "main")));
    await db.update(channelRevisions).set({ revision: 99 }).where(eq(channelRevisions.ownerId, alice.id));
    const relabelled = await json(await call(server, "/alice/noarch/repodata.json"));
    expect(relabelled.packages).toEqual({});
  });
});

describe("the remembered channel revision", () => {
  it("reads an owner's revision once a second, and at once after an upload through the handler", async () => {
    const remembering = await startTestServer(db, { channelMemoMilliseconds: 60_000 });
    try {
      const channels = remembering.handler.services.channels;
      for (let index = 0; index < 5; index += 1) expect((await call(remembering, "/alice/noarch/repodata.json")).status).toBe(200);
      await call(remembering, "/alice/simple/");
      expect(channels.lookups).toBe(1);
      expect((await condaStyleUpload(remembering, "alice", fixtures.library, aliceAuth())).status).toBe(201);
      // The upload's own notification comes back too, and forgets the owner once more: let it arrive first.
      await remembering.changes.settle();
      const after = await json(await call(remembering, "/alice/noarch/repodata.json"));
      expect(Object.keys(after.packages as object)).toEqual(["libdemo-1.0-py_0.tar.bz2"]);
      // A download then costs no query at all: the file row is cached for the revision too.
      const lookups = channels.lookups;
      for (let index = 0; index < 3; index += 1) expect((await call(remembering, "/alice/noarch/libdemo-1.0-py_0.tar.bz2")).status).toBe(200);
      expect(channels.lookups).toBe(lookups);
    } finally {
      await remembering.close();
    }
  });
});

describe("the remembered channel revision after a change elsewhere", () => {
  let remembering: TestServer;
  const download = (target = "/alice/noarch/libdemo-1.0-py_0.tar.bz2") => call(remembering, target);
  beforeEach(async () => {
    remembering = await startTestServer(db, { channelMemoMilliseconds: 60_000 });
    expect((await condaStyleUpload(remembering, "alice", fixtures.library, aliceAuth())).status).toBe(201);
    expect((await download()).status).toBe(200);
  });
  afterEach(async () => {
    await remembering.close();
  });

  async function fileId(filename: string) {
    const [row] = await db.select({ id: packageFiles.id }).from(packageFiles).where(eq(packageFiles.filename, filename));
    return row!.id;
  }

  it("is forgotten at once when the web app's services change the channel in this process", async () => {
    await setPrivacy(db, alice.actor, { owner: "alice", name: "libdemo", isPrivate: true });
    expect((await download()).status).toBe(404);
    await setPrivacy(db, alice.actor, { owner: "alice", name: "libdemo", isPrivate: false });
    expect((await download()).status).toBe(200);

    await addLabel(db, alice.actor, { fileId: await fileId("libdemo-1.0-py_0.tar.bz2"), label: "dev" });
    expect((await download("/alice/label/dev/noarch/libdemo-1.0-py_0.tar.bz2")).status).toBe(200);

    await deleteFile(db, alice.actor, { fileId: await fileId("libdemo-1.0-py_0.tar.bz2") }, remembering.store);
    const deleted = await download();
    expect(deleted.status).toBe(404);
    expect(await db.select().from(exceptions)).toEqual([]);
  });

  it("is forgotten once the notification of a change made through another connection arrives", async () => {
    // Rows changed directly, as another app server would: nothing in this process is told but the listener.
    await db.transaction(async (tx) => {
      await tx.update(packages).set({ isPrivate: true }).where(eq(packages.name, "libdemo"));
      await bumpChannelRevision(tx, alice.id);
    });
    await remembering.changes.settle();
    expect((await download()).status).toBe(404);

    await db.update(users).set({ isActive: false }).where(eq(users.id, alice.id));
    await remembering.changes.settle();
    expect((await call(remembering, "/alice/noarch/repodata.json")).status).toBe(404);
  });

  it("is not kept while the listener is down", async () => {
    await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen "granary_credential_changes"%' and pid <> pg_backend_pid()`);
    await vi.waitFor(() => expect(remembering.changes.active).toBe(false), { timeout: 5_000, interval: 5 });
    const channels = remembering.handler.services.channels;
    const before = channels.lookups;
    await download();
    await download();
    expect(channels.lookups).toBe(before + 2);
  });
});

describe("downloads", () => {
  it("streams files with validators, ranges and conditional requests", async () => {
    await condaUpload(fixtures.library);
    const bytes = fs.readFileSync(fixtures.library);
    const target = "/alice/noarch/libdemo-1.0-py_0.tar.bz2";
    const whole = await call(server, target);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(bytes)).toBe(true);
    expect(whole.headers).toMatchObject({
      etag: `"${sha256Of(bytes)}"`,
      "accept-ranges": "bytes",
      "content-length": String(bytes.length),
      "content-type": "application/x-bzip2",
      "cache-control": "public, max-age=300",
    });
    expect(whole.headers["last-modified"]).toBeTruthy();

    expect((await call(server, target, { headers: { "If-None-Match": whole.headers.etag! } })).status).toBe(304);
    expect((await call(server, target, { headers: { "If-Modified-Since": whole.headers["last-modified"]! } })).status).toBe(304);
    expect((await call(server, target, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);

    const partial = await call(server, target, { headers: { Range: "bytes=10-19" } });
    expect(partial.status).toBe(206);
    expect(partial.headers["content-range"]).toBe(`bytes 10-19/${bytes.length}`);
    expect(partial.body.equals(bytes.subarray(10, 20))).toBe(true);
    const tail = await call(server, target, { headers: { Range: "bytes=-5" } });
    expect(tail.body.equals(bytes.subarray(bytes.length - 5))).toBe(true);
    const outside = await call(server, target, { headers: { Range: `bytes=${bytes.length}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers["content-range"]).toBe(`bytes */${bytes.length}`);
    // A range for a different version of the file is ignored: the whole current file comes back.
    const stale = await call(server, target, { headers: { Range: "bytes=0-9", "If-Range": '"stale"' } });
    expect(stale.status).toBe(200);
    const head = await call(server, target, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(bytes.length));
    expect(head.body.length).toBe(0);

    // The same file through the generic files route.
    const generic = await call(server, "/alice/files/noarch/libdemo-1.0-py_0.tar.bz2");
    expect(generic.body.equals(bytes)).toBe(true);
    expect((await call(server, "/alice/noarch/missing-1.0-0.tar.bz2")).status).toBe(404);
  });

  it("counts downloads in memory and writes them on flush, per UTC day", async () => {
    await condaUpload(fixtures.library);
    const target = "/alice/noarch/libdemo-1.0-py_0.tar.bz2";
    const whole = await call(server, target);
    await call(server, target);
    await call(server, "/alice/files/noarch/libdemo-1.0-py_0.tar.bz2");
    await call(server, target, { headers: { Range: "bytes=0-9" } });
    // Revalidations, resumes past the start and HEAD requests are not downloads.
    await call(server, target, { headers: { Range: "bytes=10-19" } });
    await call(server, target, { method: "HEAD" });
    await call(server, target, { headers: { "If-None-Match": whole.headers.etag! } });

    const [before] = await db.select({ count: packageFiles.downloadCount }).from(packageFiles);
    expect(before?.count).toBe(0);
    expect(server.handler.services.downloads.pendingCount()).toBe(4);
    await server.handler.flush();
    const [after] = await db.select({ count: packageFiles.downloadCount, id: packageFiles.id }).from(packageFiles);
    expect(after?.count).toBe(4);
    const days = await db.select().from(dailyDownloads);
    expect(days).toEqual([{ fileId: after!.id, day: new Date().toISOString().slice(0, 10), count: 4 }]);

    await call(server, target);
    await server.handler.flush();
    const [again] = await db.select({ count: dailyDownloads.count }).from(dailyDownloads);
    expect(again?.count).toBe(5);
  });

  it("serves notebooks as attachments through the generic files route", async () => {
    const uploaded = await condaUpload(fixtures.notebook);
    expect(uploaded.status).toBe(201);
    const { downloadUrl } = (await json(uploaded)) as { downloadUrl: string };
    expect(downloadUrl).toBe("/alice/files/notebooks/analysis.ipynb");
    const notebook = await call(server, downloadUrl);
    expect(notebook.status).toBe(200);
    expect(notebook.headers["content-disposition"]).toBe('attachment; filename="analysis.ipynb"');
    expect(notebook.headers["x-content-type-options"]).toBe("nosniff");
    expect(notebook.body.equals(fs.readFileSync(fixtures.notebook))).toBe(true);
  });

  it("answers a file whose bytes are gone as a missing file, 404, not a server error", async () => {
    await condaUpload(fixtures.library);
    const bytes = fs.readFileSync(fixtures.library);
    fs.rmSync(server.store.blobPath(sha256Of(bytes)));
    for (const target of ["/alice/noarch/libdemo-1.0-py_0.tar.bz2", "/alice/files/noarch/libdemo-1.0-py_0.tar.bz2"]) {
      const response = await call(server, target);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain("ENOENT");
      expect((await call(server, target, { method: "HEAD" })).status).toBe(404);
    }
    expect(await db.select().from(exceptions)).toEqual([]);
  });
});

describe("privacy", () => {
  let admin: TestUser;
  beforeEach(async () => {
    admin = await createSiteAdmin(db, { username: "root" });
    await condaUpload(fixtures.library);
    await condaUpload(fixtures.application, { private: true });
    await twineUpload(fixtures.wheel);
    await db.update(packages).set({ isPrivate: true }).where(eq(packages.normalizedName, "demo-tool"));
    await db.update(channelRevisions).set({ revision: 50 }).where(eq(channelRevisions.ownerId, alice.id));
  });

  it("omits private packages from indexes for those who may not see them", async () => {
    const anonymous = await json(await call(server, "/alice/noarch/repodata.json"));
    expect(anonymous["packages.conda"]).toEqual({});
    expect(Object.keys(anonymous.packages as object)).toEqual(["libdemo-1.0-py_0.tar.bz2"]);
    const asBob = await json(await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: basicAuthorization("bob", bob.password) } }));
    expect(asBob["packages.conda"]).toEqual({});
    for (const reader of [aliceAuth(), { Authorization: basicAuthorization("root", admin.password) }]) {
      const response = await call(server, "/alice/noarch/repodata.json", { headers: reader });
      expect(Object.keys((await json(response))["packages.conda"] as object)).toEqual(["demo-app-2.1-py_0.conda"]);
      expect(response.headers["cache-control"]).toBe("private, no-cache");
    }
    expect(Object.keys((await json(await call(server, "/alice/channeldata.json"))).packages as object)).toEqual(["libdemo"]);
    const simple = await call(server, "/alice/simple/");
    expect(simple.text).not.toContain("demo-tool");
  });

  it("answers what may not be seen exactly as what does not exist, to every actor", async () => {
    const bobsToken = await createAccessToken(db, bob, { scopes: ["repos"] });
    const strangers: Record<string, Record<string, string>> = {
      anonymous: {},
      bob: { Authorization: basicAuthorization("bob", bob.password) },
      "bob's token": { Authorization: `Bearer ${bobsToken.secret}` },
    };
    const wheel = path.basename(fixtures.wheel);
    // Each private thing beside something of the same kind that does not exist; `name` is what the answer may name.
    const pairs = [
      { hidden: "/alice/noarch/demo-app-2.1-py_0.conda", missing: "/alice/noarch/demo-gone-2.1-py_0.conda", name: ["demo-app", "demo-gone"] },
      { hidden: "/alice/files/noarch/demo-app-2.1-py_0.conda", missing: "/alice/files/noarch/demo-gone-2.1-py_0.conda", name: ["demo-app", "demo-gone"] },
      { hidden: "/alice/simple/demo-tool/", missing: "/alice/simple/demo-gone/", name: ["demo-tool", "demo-gone"] },
      { hidden: `/alice/pypi/files/${wheel}`, missing: `/alice/pypi/files/${wheel.replace("demo_tool", "demo_gone")}`, name: ["demo_tool", "demo_gone"] },
      { hidden: `/alice/pypi/files/${wheel}.metadata`, missing: `/alice/pypi/files/${wheel.replace("demo_tool", "demo_gone")}.metadata`, name: ["demo_tool", "demo_gone"] },
    ];
    for (const [who, headers] of Object.entries(strangers)) {
      for (const { hidden, missing, name } of pairs) {
        const [hiddenAnswer, missingAnswer] = await Promise.all([call(server, hidden, { headers }), call(server, missing, { headers })]);
        expect(hiddenAnswer.status, `${who} ${hidden}`).toBe(404);
        expect(missingAnswer.status, `${who} ${missing}`).toBe(404);
        expect(hiddenAnswer.text.replace(name[0]!, name[1]!), `${who} ${hidden}`).toBe(missingAnswer.text);
        expect(hiddenAnswer.headers["www-authenticate"]).toBeUndefined();
        expect(missingAnswer.headers["www-authenticate"]).toBeUndefined();
      }
    }

    const target = "/alice/noarch/demo-app-2.1-py_0.conda";
    const asAlice = await call(server, target, { headers: aliceAuth() });
    expect(asAlice.status).toBe(200);
    expect(asAlice.headers["cache-control"]).toBe("private, no-cache");
    // The browser's session cookie works for downloads.
    const withCookie = await call(server, target, { headers: { Cookie: await sessionCookie(await createSession(db, alice)) } });
    expect(withCookie.status).toBe(200);
    expect((await call(server, "/alice/simple/demo-tool/", { headers: aliceAuth() })).status).toBe(200);
    expect((await call(server, `/alice/pypi/files/${wheel}`, { headers: aliceAuth() })).status).toBe(200);
  });

  it("stops honouring a session cookie once its session has ended, copies of it included", async () => {
    const target = "/alice/noarch/demo-app-2.1-py_0.conda";
    const session = await createSession(db, alice);
    const cookie = await sessionCookie(session);
    const copy = await sessionCookie({ ...session });
    expect((await call(server, target, { headers: { Cookie: cookie } })).status).toBe(200);
    await signOut(db, sessionActor(toActorUser(alice), session.sessionId));
    for (const sent of [cookie, copy]) {
      const answer = await call(server, target, { headers: { Cookie: sent } });
      expect(answer.status).not.toBe(200);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
  });

  it("refuses wrong credentials with 401 even for public content", async () => {
    const wrong = await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: basicAuthorization("alice", "not the password") } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toBe('Basic realm="Granary"');
    expect((await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: "Digest abc" } })).status).toBe(401);
    expect((await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: "Basic !!!" } })).status).toBe(401);
    expect((await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: basicAuthorization("__token__", "granary-abc") } })).status).toBe(401);
    expect((await call(server, "/alice/noarch/repodata.json", { headers: { Authorization: basicAuthorization("alice\u0000", "x") } })).status).toBe(401);
    // Bytes PostgreSQL would refuse are a client mistake, not a server error.
    expect((await call(server, "/alice%00/noarch/repodata.json")).status).toBe(400);
    expect((await call(server, "/alice/noarch/x%00.tar.bz2")).status).toBe(400);
    expect((await call(server, "/alice/noarch/%E0%A4%A.tar.bz2")).status).toBe(400);
    expect((await call(server, "/alice/simple/demo%0Atool/")).status).toBe(400);
    expect((await call(server, "/alice/label/de%01v/noarch/repodata.json")).status).toBe(400);
    expect((await call(server, "/api/channels/al%00ice/upload/x.tar.bz2", { method: "POST", headers: aliceAuth(), body: "x" })).status).toBe(400);
    // Query strings too: an upload's label or checksum, or anything a client appends to an index URL.
    const upload = (query: string) => call(server, `/api/channels/alice/upload/x.tar.bz2?${query}`, { method: "POST", headers: aliceAuth(), body: "x" });
    expect((await upload("sha256=%00")).status).toBe(400);
    expect((await upload(`sha256=${"0".repeat(64)}&label=de%00v`)).status).toBe(400);
    expect((await upload(`sha256=${"0".repeat(64)}&force=1%0D%0A`)).status).toBe(400);
    expect((await call(server, "/alice/simple/?x=%00")).status).toBe(400);
    expect((await call(server, "/alice/noarch/repodata.json?%1B=1")).status).toBe(400);
    expect(await db.select().from(exceptions)).toEqual([]);
  });
});

describe("Basic credentials cache", () => {
  it("checks a password once, yet sees a password change or a deactivation on the next request", async () => {
    const credentials = server.handler.services.credentials;
    const target = "/alice/noarch/repodata.json";
    expect((await call(server, target, { headers: aliceAuth() })).status).toBe(200);
    expect((await call(server, target, { headers: aliceAuth() })).status).toBe(200);
    expect((await call(server, target, { headers: { Authorization: basicAuthorization("alice@example.test", alice.password) } })).status).toBe(200);
    expect(credentials.passwordChecks).toBe(2);

    // A password change bumps the session version; the remembered credentials stop working at once.
    await db.update(users).set({ sessionVersion: alice.sessionVersion + 1, passwordHash: await hashPassword("a new password") }).where(eq(users.id, alice.id));
    expect((await call(server, target, { headers: aliceAuth() })).status).toBe(401);

    expect((await call(server, target, { headers: { Authorization: basicAuthorization("bob", bob.password) } })).status).toBe(200);
    await db.update(users).set({ isActive: false }).where(eq(users.id, bob.id));
    const deactivated = await call(server, target, { headers: { Authorization: basicAuthorization("bob", bob.password) } });
    expect(deactivated.status).toBe(403);
  });

  it("counts uses from each new address, not a sign-in per request", async () => {
    const proxied = await startTestServer(db, { trustedProxies: 1 });
    try {
      const credentials = proxied.handler.services.credentials;
      const from = (forwardedFor: string) => call(proxied, "/alice/noarch/repodata.json", { headers: { ...aliceAuth(), "X-Forwarded-For": forwardedFor } });
      for (const forwardedFor of ["192.0.2.1", "192.0.2.1", "6.6.6.6, 192.0.2.1", "192.0.2.2", "192.0.2.1"]) expect((await from(forwardedFor)).status).toBe(200);

      // A new address is checked in full, so its use is bookkept; the rest are remembered.
      expect(credentials.passwordChecks).toBe(2);
      expect(await recordedAuditEvents(db, { action: "auth.sign_in" })).toEqual([]);
      const uses = await recordedAuditEvents(db, { action: "auth.password_used_from_new_ip" });
      expect(uses.map((event) => event.ipAddress)).toEqual(["192.0.2.1", "192.0.2.2"]);
    } finally {
      await proxied.close();
    }
  });
});

describe("conda-style uploads", () => {
  it("requires an account that may publish under the owner", async () => {
    const anonymous = await condaUpload(fixtures.library, { auth: {} });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toBe('Basic realm="Granary"');
    expect(await json(anonymous)).toEqual({ error: expect.any(String) });
    const asBob = await condaUpload(fixtures.library, { auth: { Authorization: basicAuthorization("bob", bob.password) } });
    expect(asBob.status).toBe(403);
    const toNobody = await call(server, "/api/channels/nobody/upload/x.tar.bz2", { method: "POST", headers: aliceAuth(), body: "x" });
    expect(toNobody.status).toBe(404);
    expect((await call(server, "/api/channels/alice/upload/x.tar.bz2", { headers: aliceAuth() })).status).toBe(405);
    expect(storedFiles(server)).toEqual([]);
  });

  it("accepts the session cookie only with the X-Requested-With header", async () => {
    const bytes = fs.readFileSync(fixtures.library);
    const target = "/api/channels/alice/upload/libdemo-1.0-py_0.tar.bz2";
    const cookie = await sessionCookie(await createSession(db, alice));
    const crossSite = await call(server, target, { method: "POST", headers: { Cookie: cookie }, body: bytes });
    expect(crossSite.status).toBe(401);
    const fromTheApp = await call(server, target, { method: "POST", headers: { Cookie: cookie, "X-Requested-With": "granary" }, body: bytes });
    expect(fromTheApp.status).toBe(201);
    // The web UI handles 401 itself: no Basic challenge, which would open the browser's password dialog.
    const signedOut = await call(server, target, { method: "POST", headers: { "X-Requested-With": "granary" }, body: bytes });
    expect(signedOut.status).toBe(401);
    expect(signedOut.headers["www-authenticate"]).toBeUndefined();
    const staleCookie = await call(server, target, { method: "POST", headers: { Cookie: `${cookie.split("=")[0]}=garbage`, "X-Requested-With": "granary" }, body: bytes });
    expect(staleCookie.status).toBe(401);
  });

  it("answers 406, 409, 413 and 4xx for bad uploads, leaving nothing behind", async () => {
    const mismatch = await condaUpload(fixtures.library, { sha256: "0".repeat(64) });
    expect(mismatch.status).toBe(406);
    expect((await json(mismatch)).error).toMatch(/sha256/);
    expect(storedFiles(server)).toEqual([]);

    expect((await condaUpload(fixtures.library, { sha256: "not-hex" })).status).toBe(400);
    const badLabel = await condaUpload(fixtures.library, { label: "no spaces allowed" });
    expect(badLabel.status).toBe(400);
    expect((await json(badLabel)).error).toMatch(/Labels use/);
    const badName = await call(server, "/api/channels/alice/upload/..%2Fescape.tar.bz2", { method: "POST", headers: aliceAuth(), body: fs.readFileSync(fixtures.library) });
    expect(badName.status).toBe(400);
    const garbage = await condaUpload(fixtures.garbage);
    expect(garbage.status).toBeGreaterThanOrEqual(400);
    expect(garbage.status).toBeLessThan(500);
    expect(storedFiles(server)).toEqual([]);

    const big = path.join(fixtures.directory, "big-1.0-0.tar.bz2");
    fs.writeFileSync(big, Buffer.alloc(200 * 1024, 1));
    const tooLarge = await condaUpload(big);
    expect(tooLarge.status).toBe(413);
    // Without a Content-Length the limit is found while streaming.
    const chunked = await new Promise<number>((resolve, reject) => {
      const request = fetch(`${server.url}/api/channels/alice/upload/big-1.0-0.tar.bz2`, {
        method: "POST",
        headers: aliceAuth(),
        body: new ReadableStream({
          start(controller) {
            for (let index = 0; index < 20; index += 1) controller.enqueue(new Uint8Array(16 * 1024));
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      request.then((response) => resolve(response.status), reject);
    });
    expect(chunked).toBe(413);
    expect(storedFiles(server)).toEqual([]);
    expect(await db.select().from(packageFiles)).toEqual([]);
    expect(await db.select().from(packages)).toEqual([]);

    expect((await condaUpload(fixtures.library)).status).toBe(201);
    const duplicate = await condaUpload(fixtures.library);
    expect(duplicate.status).toBe(409);
    expect((await condaUpload(fixtures.library, { force: true })).status).toBe(201);
    expect(storedFiles(server)).toHaveLength(1);
  });
});

describe("twine's legacy upload API", () => {
  it("publishes wheels and sdists, and refuses what is wrong with 400, 401 or 409", async () => {
    const published = await twineUpload(fixtures.wheel);
    expect(published.status).toBe(200);
    expect((await twineUpload(fixtures.sdist)).status).toBe(200);
    const duplicate = await twineUpload(fixtures.wheel);
    expect(duplicate.status).toBe(409);
    // twine prints the reason phrase: it carries the message.
    expect(duplicate.statusMessage).toContain("already exists");

    expect((await twineUpload(fixtures.sdist, {}, {})).status).toBe(401);
    expect((await twineUpload(fixtures.sdist, {}, { Authorization: basicAuthorization("bob", bob.password) })).status).toBe(403);
    const wrongDigest = await twineUpload(fixtures.wheel, { sha256_digest: "f".repeat(64) });
    expect(wrongDigest.status).toBe(400);
    expect(wrongDigest.text).toContain("sha256");
    expect((await twineUpload(fixtures.wheel, { md5_digest: "0".repeat(32) })).status).toBe(400);
    expect((await twineUpload(fixtures.wheel, { ":action": "submit" })).status).toBe(400);
    const notMultipart = await call(server, "/alice/pypi/legacy/", { method: "POST", headers: { ...aliceAuth(), "Content-Type": "application/json" }, body: "{}" });
    expect(notMultipart.status).toBe(400);
    const { body, contentType } = multipartBody({ ":action": "file_upload" });
    const noFile = await call(server, "/alice/pypi/legacy/", { method: "POST", headers: { ...aliceAuth(), "Content-Type": contentType }, body });
    expect(noFile.status).toBe(400);
    expect(noFile.text).toContain("content");
    const garbage = await twineUpload(fixtures.garbage);
    expect(garbage.status).toBe(400);
    expect(storedFiles(server)).toHaveLength(2);
    expect(await db.select({ filename: packageFiles.filename }).from(packageFiles).orderBy(packageFiles.filename)).toEqual([
      { filename: path.basename(fixtures.wheel) },
      { filename: path.basename(fixtures.sdist) },
    ]);
  });
});

describe("failed twine uploads", () => {
  const openDescriptors = () => fs.readdirSync("/proc/self/fd").length;
  /** Descriptors of files in the store (a removed temporary file still open reads "... (deleted)"). */
  const openStoreFiles = () =>
    fs
      .readdirSync("/proc/self/fd")
      .map((descriptor) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${descriptor}`);
        } catch {
          return "";
        }
      })
      .filter((target) => target.startsWith(server.filesDirectory));
  const temporaryFiles = () => {
    const folder = path.join(server.filesDirectory, "tmp");
    return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
  };

  /** A multipart body whose parts come in the order given, so a field can follow the file. */
  function orderedMultipart(parts: ({ field: string; value: string } | { file: string; bytes: Buffer })[]) {
    const boundary = "----granary-ordered-boundary";
    const chunks: Buffer[] = [];
    for (const part of parts) {
      if ("field" in part) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"\r\n\r\n${part.value}\r\n`));
      else chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${part.file}"\r\n\r\n`), part.bytes, Buffer.from("\r\n"));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
  }

  /** Sends the first part of a body that announces more, then hangs up: a client that dies mid-upload. */
  function abortedUpload(fraction: number): Promise<void> {
    const bytes = fs.readFileSync(fixtures.wheel);
    const { body, contentType } = multipartBody({ ":action": "file_upload", sha256_digest: sha256Of(bytes) }, { name: path.basename(fixtures.wheel), bytes });
    return new Promise((resolve) => {
      const socket = net.connect(server.port, "127.0.0.1", () => {
        const head = [
          "POST /alice/pypi/legacy/ HTTP/1.1",
          "Host: 127.0.0.1",
          `Authorization: ${aliceAuth().Authorization}`,
          `Content-Type: ${contentType}`,
          `Content-Length: ${body.length}`,
          "",
          "",
        ].join("\r\n");
        socket.write(head);
        socket.write(body.subarray(0, Math.floor(body.length * fraction)), () => setTimeout(() => socket.destroy(), 20));
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve());
    });
  }

  function streamedUpload(bytes: Buffer): Promise<number> {
    const { body, contentType } = multipartBody({ ":action": "file_upload", sha256_digest: sha256Of(bytes) }, { name: "big_demo-1.0-py3-none-any.whl", bytes });
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: "127.0.0.1", port: server.port, path: "/alice/pypi/legacy/", method: "POST", headers: { ...aliceAuth(), "Content-Type": contentType } },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      request.on("error", reject);
      // No Content-Length: the limit is found while the file streams in.
      for (let offset = 0; offset < body.length; offset += 16 * 1024) request.write(body.subarray(offset, offset + 16 * 1024));
      request.end();
    });
  }

  it("close and remove every temporary file they opened, whatever the failure", async () => {
    const wheelBytes = fs.readFileSync(fixtures.wheel);
    const wheelName = path.basename(fixtures.wheel);
    const downloadOnly = await createAccessToken(db, alice, { scopes: ["pypi:download"] });
    const failures: (() => Promise<unknown>)[] = [
      async () => expect((await twineUpload(fixtures.wheel, { sha256_digest: "f".repeat(64) })).status).toBe(400),
      async () => expect((await twineUpload(fixtures.wheel, { md5_digest: "0".repeat(32) })).status).toBe(400),
      async () => expect((await twineUpload(fixtures.wheel, { sha256_digest: "", md5_digest: "" })).status).toBe(400),
      async () => expect((await twineUpload(fixtures.wheel, { ":action": "submit" })).status).toBe(400),
      async () => expect((await twineUpload(fixtures.garbage)).status).toBe(400),
      // A conda package, refused by its kind: twine's route takes Python distributions only.
      async () => expect((await twineUpload(fixtures.library)).status).toBe(400),
      async () => expect((await twineUpload(fixtures.wheel, {}, { Authorization: `Bearer ${downloadOnly.secret}` })).status).toBe(403),
      async () => expect((await twineUpload(fixtures.wheel, {}, { Authorization: basicAuthorization("bob", bob.password) })).status).toBe(403),
      async () => expect(await streamedUpload(Buffer.alloc(200 * 1024, 7))).toBe(413),
      async () => {
        // A field too long for the form, after the file has been received.
        const { body, contentType } = orderedMultipart([
          { field: ":action", value: "file_upload" },
          { file: wheelName, bytes: wheelBytes },
          { field: "description", value: "d".repeat(2 * 1024 * 1024 + 10) },
        ]);
        expect((await call(server, "/alice/pypi/legacy/", { method: "POST", headers: { ...aliceAuth(), "Content-Type": contentType }, body })).status).toBe(400);
      },
      async () => {
        // A form that stops in the middle of the file part.
        const { body, contentType } = orderedMultipart([{ field: ":action", value: "file_upload" }, { file: wheelName, bytes: wheelBytes }]);
        const truncated = body.subarray(0, body.length - 200);
        expect((await call(server, "/alice/pypi/legacy/", { method: "POST", headers: { ...aliceAuth(), "Content-Type": contentType }, body: truncated })).status).toBe(400);
      },
      () => abortedUpload(0.5),
      () => abortedUpload(0.95),
    ];
    // Connections, the store's folders and the like are opened once: warm them up before counting, the database
    // pool to its size.
    for (const failure of failures) await failure();
    await Promise.all(Array.from({ length: 8 }, () => db.execute(sql`select pg_sleep(0.05)`)));
    await vi.waitFor(() => expect(temporaryFiles()).toEqual([]), { timeout: 5_000, interval: 20 });
    const descriptorsBefore = openDescriptors();

    const batch = Array.from({ length: 60 }, (_, index) => failures[index % failures.length]!);
    for (const failure of batch) await failure();

    // What a failure opened is closed as its answer goes out or its connection closes; give those a moment.
    await vi.waitFor(
      () => {
        expect(temporaryFiles()).toEqual([]);
        expect(openStoreFiles()).toEqual([]);
        expect(openDescriptors()).toBeLessThanOrEqual(descriptorsBefore);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(storedFiles(server)).toEqual([]);
    expect(await db.select().from(packageFiles)).toEqual([]);
    expect((await twineUpload(fixtures.wheel)).status).toBe(200);
  });
});

describe("the PyPI simple API", () => {
  beforeEach(async () => {
    await twineUpload(fixtures.wheel);
    await twineUpload(fixtures.sdist);
  });

  it("lists projects in HTML and JSON by content negotiation", async () => {
    const html = await call(server, "/alice/simple/");
    expect(html.status).toBe(200);
    expect(html.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(html.headers.vary).toBe("Accept, Accept-Encoding");
    expect(html.text).toContain('<a href="demo-tool/">');
    const v1 = await call(server, "/alice/simple/", { headers: { Accept: "application/vnd.pypi.simple.v1+html" } });
    expect(v1.headers["content-type"]).toBe("application/vnd.pypi.simple.v1+html");
    const jsonList = await call(server, "/alice/simple/", { headers: { Accept: "application/vnd.pypi.simple.v1+json" } });
    expect(jsonList.headers["content-type"]).toBe("application/vnd.pypi.simple.v1+json");
    expect(await json(jsonList)).toEqual({ meta: { "api-version": "1.1" }, projects: [{ name: expect.stringMatching(/^Demo[-_]Tool$/) }] });
  });

  it("describes a project's files with hashes, Requires-Python and core metadata", async () => {
    const wheelName = path.basename(fixtures.wheel);
    const sdistName = path.basename(fixtures.sdist);
    const wheelBytes = fs.readFileSync(fixtures.wheel);
    const page = await call(server, "/alice/simple/demo-tool/");
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="../../pypi/files/${wheelName}#sha256=${sha256Of(wheelBytes)}"`);
    expect(page.text).toContain('data-requires-python="&lt;4,&gt;=3.8"');
    const metadataHash = /data-core-metadata="sha256=([0-9a-f]{64})"/.exec(page.text)?.[1];
    expect(metadataHash).toBeTruthy();
    expect(page.text).toContain(`data-dist-info-metadata="sha256=${metadataHash}"`);

    const metadata = await call(server, `/alice/pypi/files/${wheelName}.metadata`);
    expect(metadata.status).toBe(200);
    expect(sha256Of(metadata.body)).toBe(metadataHash);
    expect(metadata.text).toMatch(/^Metadata-Version: /);
    expect((await call(server, `/alice/pypi/files/${sdistName}.metadata`)).status).toBe(404);

    const jsonPage = await json(await call(server, "/alice/simple/demo-tool/", { headers: { Accept: "application/vnd.pypi.simple.v1+json" } }));
    expect(jsonPage).toMatchObject({ meta: { "api-version": "1.1" }, name: "demo-tool", versions: ["1.0"] });
    const files = jsonPage.files as Record<string, unknown>[];
    expect(files.map((file) => file.filename)).toEqual([wheelName, sdistName].sort());
    const wheel = files.find((file) => file.filename === wheelName)!;
    expect(wheel).toMatchObject({
      url: `../../pypi/files/${wheelName}`,
      hashes: { sha256: sha256Of(wheelBytes) },
      "requires-python": "<4,>=3.8",
      "core-metadata": { sha256: metadataHash },
      size: wheelBytes.length,
      yanked: false,
    });
    expect(wheel).not.toHaveProperty("dist-info-metadata");

    const download = await call(server, `/alice/pypi/files/${wheelName}`);
    expect(download.body.equals(wheelBytes)).toBe(true);
  });

  it("marks a yanked release's files with its reason in HTML and JSON (PEP 592, PEP 691), at once and until un-yanked", async () => {
    const wheelName = path.basename(fixtures.wheel);
    const jsonPage = async () =>
      (await json(await call(server, "/alice/simple/demo-tool/", { headers: { Accept: "application/vnd.pypi.simple.v1+json" } }))).files as Record<string, unknown>[];
    // Read once so that the page is remembered: the yank must not be hidden behind that.
    expect((await call(server, "/alice/simple/demo-tool/")).text).not.toContain("data-yanked");
    expect((await jsonPage()).map((file) => file.yanked)).toEqual([false, false]);

    await setReleaseYanked(db, alice.actor, { owner: "alice", name: "demo-tool", version: "1.0", yanked: true, reason: 'Broken "import" <see 1.1>' });
    const html = (await call(server, "/alice/simple/demo-tool/")).text;
    expect(html.match(/data-yanked="Broken &quot;import&quot; &lt;see 1\.1&gt;"/g)).toHaveLength(2);
    expect(html).toContain(`${wheelName}</a>`);
    expect((await jsonPage()).map((file) => file.yanked)).toEqual(['Broken "import" <see 1.1>', 'Broken "import" <see 1.1>']);

    // Without a reason: an empty attribute, and `true` in JSON.
    await setReleaseYanked(db, alice.actor, { owner: "alice", name: "demo-tool", version: "1.0", yanked: true });
    expect((await call(server, "/alice/simple/demo-tool/")).text.match(/data-yanked=""/g)).toHaveLength(2);
    expect((await jsonPage()).map((file) => file.yanked)).toEqual([true, true]);

    await setReleaseYanked(db, alice.actor, { owner: "alice", name: "demo-tool", version: "1.0", yanked: false });
    expect((await call(server, "/alice/simple/demo-tool/")).text).not.toContain("data-yanked");
    expect((await jsonPage()).map((file) => file.yanked)).toEqual([false, false]);
  });

  it("redirects to normalized names and trailing slashes, and 404s for unknown projects", async () => {
    const notNormalized = await call(server, "/alice/simple/Demo_Tool/");
    expect(notNormalized.status).toBe(301);
    expect(notNormalized.headers.location).toBe("/alice/simple/demo-tool/");
    const noSlash = await call(server, "/alice/simple/demo-tool");
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.location).toBe("/alice/simple/demo-tool/");
    expect((await call(server, "/alice/simple")).headers.location).toBe("/alice/simple/");
    expect((await call(server, "/alice/simple/nothing-here/")).status).toBe(404);
    // Labels other than main are offered too; a twine upload lands in main only.
    const labelled = await call(server, "/alice/label/dev/simple/demo-tool/");
    expect(labelled.status).toBe(404);
    const labelledMain = await call(server, "/alice/label/main/simple/demo-tool/");
    expect(labelledMain.text).toContain(`href="../../../../pypi/files/`);
  });
});
