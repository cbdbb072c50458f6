/**
 * Real package clients against the protocol handler on a real port: pip, twine, poetry and rattler (a
 * conda-compatible solver). A client missing from the machine fails this file at once, naming the command that
 * installs it (scripts/test-prerequisites.sh installs them all before `npm test`).
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { actorFor, createAccessToken, createSiteAdmin, createUser, findUser, recordedAuditEvents, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { debianPython, requireTools } from "@/test/tools";
import { channelRevisions, packages } from "../db/schema";
import { updateGeneralSettings } from "../services/general-settings";
import { setReleaseYanked } from "../services/package-changes";
import { revokeToken } from "../services/tokens";
import {
  basicAuthorization,
  call,
  condaStyleUpload,
  run,
  sha256Of,
  startTestServer,
  temporaryDirectory,
  twineStyleUpload,
  type TestServer,
} from "./test-support";

const db = setUpTestDatabase();
requireTools("cph", "pythonBuild", "pip", "twine", "poetry");

/** Debian's own python3 and its pip (python3-pip). */
const python = debianPython;

/** A clean environment for Python clients: no user config, no keyring prompts, caches in a temporary home. */
function clientEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    NODE_ENV: process.env.NODE_ENV,
    PATH: process.env.PATH,
    HOME: home,
    LANG: "C.UTF-8",
    PIP_CONFIG_FILE: "/dev/null",
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PIP_NO_INPUT: "1",
    PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring",
    POETRY_CACHE_DIR: path.join(home, "poetry-cache"),
    POETRY_VIRTUALENVS_IN_PROJECT: "true",
    XDG_CONFIG_HOME: path.join(home, "config"),
    XDG_CACHE_HOME: path.join(home, "cache"),
  };
}

interface Fixtures {
  directory: string;
  tool: { wheel: string; sdist: string };
  newerTool: { wheel: string; sdist: string };
  consumer: { wheel: string; sdist: string };
  library: string;
  application: string;
}
let fixtures: Fixtures;

beforeAll(() => {
  const directory = temporaryDirectory("client-fixtures");
  fixtures = {
    directory,
    tool: buildPythonDistributions({ name: "demo-tool", version: "1.0", requiresPython: ">=3.8" }, directory),
    newerTool: buildPythonDistributions({ name: "demo-tool", version: "1.1", requiresPython: ">=3.8" }, directory),
    consumer: buildPythonDistributions({ name: "demo-consumer", version: "0.2", dependencies: ["demo-tool>=1.0"] }, directory),
    library: buildCondaPackage({ name: "libdemo", version: "1.0" }, directory),
    application: buildCondaPackage({ name: "demo-app", version: "2.1", depends: ["libdemo >=1.0"] }, directory, "conda"),
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;
let home: string;
let work: string;

beforeEach(async () => {
  server = await startTestServer(db);
  alice = await createUser(db, { username: "alice" });
  home = temporaryDirectory("client-home");
  work = temporaryDirectory("client-work");
});

afterEach(async () => {
  await server.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const aliceAuth = () => ({ Authorization: basicAuthorization("alice", alice.password) });

async function publishPython(...files: string[]) {
  for (const file of files) expect((await twineStyleUpload(server, "alice", file, aliceAuth())).status).toBe(200);
}

async function makePrivate(normalizedName: string) {
  await db.update(packages).set({ isPrivate: true }).where(eq(packages.normalizedName, normalizedName));
  await db.update(channelRevisions).set({ revision: 1_000 }).where(eq(channelRevisions.ownerId, alice.id));
}

function pip(args: string[]) {
  return run(python, ["-m", "pip", "--isolated", "--no-input", ...args], { cwd: work, env: clientEnvironment(home) });
}

describe("pip", () => {
  it("downloads and installs public distributions anonymously, following dependencies", async () => {
    await publishPython(fixtures.tool.wheel, fixtures.tool.sdist, fixtures.consumer.wheel, fixtures.consumer.sdist);
    const index = `${server.url}/alice/simple/`;
    const download = await pip(["download", "--index-url", index, "--dest", "downloads", "demo-consumer"]);
    expect(download.code, download.stderr).toBe(0);
    const downloaded = fs.readdirSync(path.join(work, "downloads")).sort();
    expect(downloaded).toEqual([path.basename(fixtures.consumer.wheel), path.basename(fixtures.tool.wheel)].sort());
    const wheel = path.join(work, "downloads", path.basename(fixtures.tool.wheel));
    expect(sha256Of(fs.readFileSync(wheel))).toBe(sha256Of(fs.readFileSync(fixtures.tool.wheel)));

    // A non-normalized name goes through the 301 to the normalized page.
    const install = await pip(["install", "--no-deps", "--index-url", index, "--target", "installed", "Demo_Tool==1.0"]);
    expect(install.code, install.stderr).toBe(0);
    expect(fs.existsSync(path.join(work, "installed", "demo_tool", "__init__.py"))).toBe(true);

    const sdist = await pip(["download", "--no-deps", "--no-binary", ":all:", "--no-build-isolation", "--index-url", index, "--dest", "sdists", "demo-tool"]);
    expect(sdist.code, sdist.stderr).toBe(0);
    expect(fs.readdirSync(path.join(work, "sdists"))).toEqual([path.basename(fixtures.tool.sdist)]);
  });

  it("skips a yanked release unless it is pinned exactly (PEP 592)", async () => {
    await publishPython(fixtures.tool.wheel, fixtures.newerTool.wheel);
    await setReleaseYanked(db, actorFor(alice), { owner: "alice", name: "demo-tool", version: "1.1", yanked: true, reason: "broken import" });
    const index = `${server.url}/alice/simple/`;
    const installedVersions = (target: string) => fs.readdirSync(path.join(work, target)).filter((entry) => entry.endsWith(".dist-info"));

    const newest = await pip(["install", "--no-deps", "--index-url", index, "--target", "unpinned", "demo-tool"]);
    expect(newest.code, newest.stderr).toBe(0);
    expect(installedVersions("unpinned")).toEqual(["demo_tool-1.0.dist-info"]);

    const pinned = await pip(["install", "--no-deps", "--index-url", index, "--target", "pinned", "demo-tool==1.1"]);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect(installedVersions("pinned")).toEqual(["demo_tool-1.1.dist-info"]);
    // pip says why it installed a yanked release.
    expect(pinned.stdout + pinned.stderr).toContain("broken import");

    await setReleaseYanked(db, actorFor(alice), { owner: "alice", name: "demo-tool", version: "1.1", yanked: false });
    const afterUnyank = await pip(["install", "--no-deps", "--index-url", index, "--target", "unyanked", "demo-tool"]);
    expect(afterUnyank.code, afterUnyank.stderr).toBe(0);
    expect(installedVersions("unyanked")).toEqual(["demo_tool-1.1.dist-info"]);
  });

  it("reaches private projects with credentials in the index URL, and fails without them", async () => {
    await publishPython(fixtures.tool.wheel);
    await makePrivate("demo-tool");
    // pip logs why a page was skipped only at high verbosity.
    const withoutCredentials = await pip(["-vvv", "download", "--no-deps", "--index-url", `${server.url}/alice/simple/`, "--dest", "anonymous", "demo-tool"]);
    expect(withoutCredentials.code).not.toBe(0);
    // A private project answers as a missing one does: pip learns nothing, and does not stop to ask for a password.
    expect(`${withoutCredentials.stdout}${withoutCredentials.stderr}`).toContain("404 Client Error");

    const credentialed = `http://alice:${encodeURIComponent(alice.password)}@127.0.0.1:${server.port}/alice/simple/`;
    const download = await pip(["download", "--no-deps", "--index-url", credentialed, "--dest", "private", "demo-tool"]);
    expect(download.code, download.stderr).toBe(0);
    expect(fs.readdirSync(path.join(work, "private"))).toEqual([path.basename(fixtures.tool.wheel)]);
  });

  it("with a password in its index URL, is bookkept like a token, not signed in on every request", async () => {
    await publishPython(fixtures.tool.wheel, fixtures.tool.sdist, fixtures.consumer.wheel);
    await makePrivate("demo-tool");
    const credentialed = `http://alice:${encodeURIComponent(alice.password)}@127.0.0.1:${server.port}/alice/simple/`;
    for (const destination of ["first", "second", "third"]) {
      const download = await pip(["download", "--index-url", credentialed, "--dest", destination, "demo-consumer"]);
      expect(download.code, download.stderr).toBe(0);
    }

    expect(await recordedAuditEvents(db, { action: "auth.sign_in" })).toEqual([]);
    const uses = await recordedAuditEvents(db, { action: "auth.password_used_from_new_ip" });
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ subjectUserId: alice.id, actorLabel: "alice", ipAddress: "127.0.0.1" });
    expect(await findUser(db, alice.id)).toMatchObject({ passwordLastUsedAt: expect.any(Date), passwordLastUsedIp: "127.0.0.1", passwordSeenIps: ["127.0.0.1"] });
  });

  it("gets in with the right password in its index URL while an attacker's address behind the proxy is refused", async () => {
    // As the launcher runs with TRUST_PROXY=1: the proxy appends the address it received the connection from.
    const proxied = await startTestServer(db, { trustedProxies: 1 });
    try {
      // Uploaded with a token, so that no accepted password is remembered before pip comes.
      const uploader = await createAccessToken(db, alice, { scopes: ["pypi:upload"] });
      const upload = await twineStyleUpload(proxied, "alice", fixtures.tool.wheel, { Authorization: basicAuthorization("__token__", uploader.secret) });
      expect(upload.status).toBe(200);
      await makePrivate("demo-tool");
      const attempt = (forwardedFor: string, password: string) =>
        call(proxied, "/alice/simple/demo-tool/", { headers: { Authorization: basicAuthorization("alice", password), "X-Forwarded-For": forwardedFor } });
      for (let guess = 0; guess < 5; guess++) expect((await attempt("192.0.2.66", `guess ${guess}`)).status).toBe(401);
      for (let guess = 0; guess < 20; guess++) {
        // The attacker writes a fresh address of its own choosing first; the one the proxy appended is what counts.
        const refused = await attempt(`198.51.100.${guess + 1}, 192.0.2.66`, guess % 2 ? alice.password : `guess ${guess}`);
        expect(refused.status).toBe(429);
        expect(refused.statusMessage).toMatch(/^Too many failed sign-in attempts for this account from this address\. Wait 1[45] minutes/);
      }

      // pip on the owner's machine, which has not been failing, is let in at once.
      const credentialed = `http://alice:${encodeURIComponent(alice.password)}@127.0.0.1:${proxied.port}/alice/simple/`;
      const download = await pip(["download", "--no-deps", "--index-url", credentialed, "--dest", "private", "demo-tool"]);
      expect(download.code, download.stderr).toBe(0);
      expect(fs.readdirSync(path.join(work, "private"))).toEqual([path.basename(fixtures.tool.wheel)]);
      const refusals = await recordedAuditEvents(db, { action: "auth.sign_in_throttled" });
      expect(new Set(refusals.map((event) => event.ipAddress))).toEqual(new Set(["192.0.2.66"]));
    } finally {
      await proxied.close();
    }
  });
});

describe("twine", () => {
  const twine = (args: string[]) => run("twine", ["upload", "--non-interactive", "--disable-progress-bar", ...args], { cwd: work, env: clientEnvironment(home) });

  it("uploads wheels and sdists, reports existing files, and refuses a wrong password", async () => {
    const repository = `${server.url}/alice/pypi/legacy/`;
    const upload = await twine(["--repository-url", repository, "-u", "alice", "-p", alice.password, fixtures.tool.wheel, fixtures.tool.sdist]);
    expect(upload.code, `${upload.stdout}${upload.stderr}`).toBe(0);
    const page = await call(server, "/alice/simple/demo-tool/");
    expect(page.text).toContain(path.basename(fixtures.tool.wheel));
    expect(page.text).toContain(path.basename(fixtures.tool.sdist));

    const again = await twine(["--repository-url", repository, "-u", "alice", "-p", alice.password, fixtures.tool.wheel]);
    expect(again.code).not.toBe(0);
    expect(`${again.stdout}${again.stderr}`).toContain("409");
    const skipping = await twine(["--repository-url", repository, "-u", "alice", "-p", alice.password, "--skip-existing", fixtures.tool.wheel]);
    expect(skipping.code, `${skipping.stdout}${skipping.stderr}`).toBe(0);

    const wrong = await twine(["--repository-url", repository, "-u", "alice", "-p", "not the password", fixtures.consumer.wheel]);
    expect(wrong.code).not.toBe(0);
    expect(`${wrong.stdout}${wrong.stderr}`).toContain("401");
  });
});

describe("poetry", () => {
  it("locks and installs a dependency from the index", async () => {
    await publishPython(fixtures.tool.wheel, fixtures.tool.sdist);
    fs.writeFileSync(
      path.join(work, "pyproject.toml"),
      [
        "[tool.poetry]",
        'name = "consumer"',
        'version = "0.1.0"',
        'description = ""',
        'authors = ["Test <test@example.test>"]',
        "",
        "[tool.poetry.dependencies]",
        'python = "^3.8"',
        'demo-tool = "^1.0"',
        "",
        "[[tool.poetry.source]]",
        'name = "granary"',
        `url = "${server.url}/alice/simple/"`,
        // The only source: nothing is looked up on pypi.org.
        "default = true",
        "",
        "[build-system]",
        'requires = ["poetry-core"]',
        'build-backend = "poetry.core.masonry.api"',
        "",
      ].join("\n"),
    );
    const poetry = (args: string[]) => run("poetry", [...args, "--no-interaction"], { cwd: work, env: clientEnvironment(home) });
    const lock = await poetry(["lock"]);
    expect(lock.code, `${lock.stdout}${lock.stderr}`).toBe(0);
    const lockFile = fs.readFileSync(path.join(work, "poetry.lock"), "utf8");
    expect(lockFile).toContain('name = "demo-tool"');
    expect(lockFile).toContain(`sha256:${sha256Of(fs.readFileSync(fixtures.tool.wheel))}`);
    const install = await poetry(["install", "--no-root"]);
    expect(install.code, `${install.stdout}${install.stderr}`).toBe(0);
    expect(`${install.stdout}`).toContain("demo-tool");
  });
});

interface SolvedPackage {
  url: string;
  packageName: string;
  version: string;
  filename: string;
  sha256?: string;
  subdir?: string;
}
type SimpleSolve = (specs: string[], channels: string[], platforms: string[], locked: unknown[]) => Promise<SolvedPackage[]>;

describe("rattler (conda-compatible solver)", () => {
  it("solves an environment from a labelled channel and downloads files matching the repodata", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.library, aliceAuth(), { label: "dev" })).status).toBe(201);
    expect((await condaStyleUpload(server, "alice", fixtures.application, aliceAuth(), { label: "dev" })).status).toBe(201);
    // The WASM build for Node; the package's ESM entry is meant for bundlers.
    const { simpleSolve } = createRequire(import.meta.url)("@conda-org/rattler") as { simpleSolve: SimpleSolve };
    const channel = `${server.url}/alice/label/dev`;
    const solved = await simpleSolve(["demo-app"], [channel], ["linux-64", "noarch"], []);
    expect(solved.map((record) => `${record.packageName}=${record.version}`).sort()).toEqual(["demo-app=2.1", "libdemo=1.0"]);

    const repodata = JSON.parse((await call(server, "/alice/label/dev/noarch/repodata.json")).text) as Record<string, Record<string, { sha256: string }>>;
    for (const record of solved) {
      expect(record.url.startsWith(`${channel}/noarch/`)).toBe(true);
      const response = await fetch(record.url);
      expect(response.status).toBe(200);
      const digest = sha256Of(Buffer.from(await response.arrayBuffer()));
      expect(digest).toBe(record.sha256);
      const listed = repodata.packages?.[record.filename] ?? repodata["packages.conda"]?.[record.filename];
      expect(listed?.sha256).toBe(digest);
    }
    // Nothing in main: the same solve without the label finds nothing.
    await expect(simpleSolve(["demo-app"], [`${server.url}/alice`], ["linux-64", "noarch"], [])).rejects.toBeTruthy();
  });
});

/**
 * Access tokens in the places each client takes credentials; after revocation every client fails cleanly on its
 * next request with 401, whatever it cached.
 */
describe("access tokens with real clients", () => {
  const revoke = (id: string) => revokeToken(db, alice.actor, { id });
  const output = (result: { stdout: string; stderr: string }) => `${result.stdout}${result.stderr}`;

  it("pip: __token__ in the index URL and /t/<token>/ in the path", async () => {
    await publishPython(fixtures.tool.wheel);
    await makePrivate("demo-tool");
    const token = await createAccessToken(db, alice, { scopes: ["pypi:download"] });
    const indexes = [
      `http://__token__:${token.secret}@127.0.0.1:${server.port}/alice/simple/`,
      `${server.url}/t/${token.secret}/alice/simple/`,
    ];
    for (const [index, url] of indexes.entries()) {
      const download = await pip(["download", "--no-deps", "--index-url", url, "--dest", `with-token-${index}`, "demo-tool"]);
      expect(download.code, output(download)).toBe(0);
      expect(fs.readdirSync(path.join(work, `with-token-${index}`))).toEqual([path.basename(fixtures.tool.wheel)]);
    }
    await revoke(token.id);
    for (const [index, url] of indexes.entries()) {
      const refused = await pip(["-vvv", "download", "--no-deps", "--index-url", url, "--dest", `revoked-${index}`, "demo-tool"]);
      expect(refused.code).not.toBe(0);
      expect(output(refused)).toContain("401 Client Error");
    }
  });

  it("twine: -u __token__ -p <token>", async () => {
    const token = await createAccessToken(db, alice, { scopes: ["pypi:upload"] });
    const twine = (args: string[]) => run("twine", ["upload", "--non-interactive", "--disable-progress-bar", ...args], { cwd: work, env: clientEnvironment(home) });
    const repository = `${server.url}/alice/pypi/legacy/`;
    const upload = await twine(["--repository-url", repository, "-u", "__token__", "-p", token.secret, fixtures.tool.wheel]);
    expect(upload.code, output(upload)).toBe(0);
    expect((await call(server, "/alice/simple/demo-tool/")).text).toContain(path.basename(fixtures.tool.wheel));
    await revoke(token.id);
    const refused = await twine(["--repository-url", repository, "-u", "__token__", "-p", token.secret, fixtures.tool.sdist]);
    expect(refused.code).not.toBe(0);
    expect(output(refused)).toContain("401");
    expect((await call(server, "/alice/simple/demo-tool/")).text).not.toContain(path.basename(fixtures.tool.sdist));
  });

  it("poetry: /t/<token>/ in the source URL", async () => {
    await publishPython(fixtures.tool.wheel, fixtures.tool.sdist);
    await makePrivate("demo-tool");
    const token = await createAccessToken(db, alice, { scopes: ["pypi:download"] });
    const project = (name: string) => {
      const directory = path.join(work, name);
      fs.mkdirSync(directory);
      fs.writeFileSync(
        path.join(directory, "pyproject.toml"),
        [
          "[tool.poetry]",
          `name = "${name}"`,
          'version = "0.1.0"',
          'description = ""',
          'authors = ["Test <test@example.test>"]',
          "",
          "[tool.poetry.dependencies]",
          'python = "^3.8"',
          'demo-tool = "^1.0"',
          "",
          "[[tool.poetry.source]]",
          'name = "granary"',
          `url = "${server.url}/t/${token.secret}/alice/simple/"`,
          "default = true",
          "",
          "[build-system]",
          'requires = ["poetry-core"]',
          'build-backend = "poetry.core.masonry.api"',
          "",
        ].join("\n"),
      );
      return directory;
    };
    const poetryLock = (directory: string) => run("poetry", ["lock", "--no-interaction"], { cwd: directory, env: clientEnvironment(home) });
    const lock = await poetryLock(project("consumer"));
    expect(lock.code, output(lock)).toBe(0);
    expect(fs.readFileSync(path.join(work, "consumer", "poetry.lock"), "utf8")).toContain('name = "demo-tool"');
    await revoke(token.id);
    const refused = await poetryLock(project("after-revocation"));
    expect(refused.code).not.toBe(0);
    // Poetry reports a 401 as an authorization error.
    expect(output(refused)).toMatch(/Authorization error|401/);
    expect((await call(server, `/t/${token.secret}/alice/simple/demo-tool/`)).status).toBe(401);
  });

  it("rattler: /t/<token>/ in the channel URL", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.library, aliceAuth(), { private: true })).status).toBe(201);
    expect((await condaStyleUpload(server, "alice", fixtures.application, aliceAuth(), { private: true })).status).toBe(201);
    const token = await createAccessToken(db, alice, { scopes: ["conda:download"] });
    const { simpleSolve } = createRequire(import.meta.url)("@conda-org/rattler") as { simpleSolve: SimpleSolve };
    // Private: without the token there is nothing to solve from.
    await expect(simpleSolve(["demo-app"], [`${server.url}/alice`], ["linux-64", "noarch"], [])).rejects.toBeTruthy();
    const channel = `${server.url}/t/${token.secret}/alice`;
    const solved = await simpleSolve(["demo-app"], [channel], ["linux-64", "noarch"], []);
    expect(solved.map((record) => `${record.packageName}=${record.version}`).sort()).toEqual(["demo-app=2.1", "libdemo=1.0"]);
    for (const record of solved) {
      expect(record.url.startsWith(`${channel}/noarch/`)).toBe(true);
      const response = await fetch(record.url);
      expect(response.status).toBe(200);
      expect(sha256Of(Buffer.from(await response.arrayBuffer()))).toBe(record.sha256);
    }
    await revoke(token.id);
    await expect(simpleSolve(["demo-app"], [channel], ["linux-64", "noarch"], [])).rejects.toBeTruthy();
    expect((await fetch(solved[0]!.url)).status).toBe(401);
  });
});

/**
 * Admin → General's static URL: a cache in front of Granary (here a counting proxy on another port) that the index
 * pages send clients to for public files.
 */
describe("the static URL with real clients", () => {
  let cache: http.Server;
  let cacheUrl: string;
  let cachedPaths: string[];

  beforeEach(async () => {
    cachedPaths = [];
    cache = http.createServer((request, response) => {
      cachedPaths.push(request.url ?? "");
      const upstream = http.request({ host: "127.0.0.1", port: server.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on("error", () => response.destroy());
      request.pipe(upstream);
    });
    await new Promise<void>((resolve) => cache.listen(0, "127.0.0.1", resolve));
    cacheUrl = `http://127.0.0.1:${(cache.address() as AddressInfo).port}/`;
    const admin = await createSiteAdmin(db, { username: "root" });
    await updateGeneralSettings(db, admin.actor, { siteUrl: "", staticUrl: cacheUrl, defaultPackageAccess: "public" });
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => cache.close(() => resolve()));
  });

  it("pip downloads public files from it, following the simple page's links", async () => {
    await publishPython(fixtures.tool.wheel, fixtures.tool.sdist);
    const download = await pip(["download", "--no-deps", "--index-url", `${server.url}/alice/simple/`, "--dest", "downloads", "demo-tool"]);
    expect(download.code, download.stderr).toBe(0);
    expect(fs.readdirSync(path.join(work, "downloads"))).toEqual([path.basename(fixtures.tool.wheel)]);
    expect(cachedPaths).toContain(`/alice/pypi/files/${path.basename(fixtures.tool.wheel)}`);
  });

  it("rattler resolves its downloads against repodata's base_url", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.library, aliceAuth())).status).toBe(201);
    const { simpleSolve } = createRequire(import.meta.url)("@conda-org/rattler") as { simpleSolve: SimpleSolve };
    const solved = await simpleSolve(["libdemo"], [`${server.url}/alice`], ["linux-64", "noarch"], []);
    expect(solved).toHaveLength(1);
    expect(solved[0]!.url).toBe(`${cacheUrl}alice/noarch/${solved[0]!.filename}`);
    const response = await fetch(solved[0]!.url);
    expect(response.status).toBe(200);
    expect(sha256Of(Buffer.from(await response.arrayBuffer()))).toBe(solved[0]!.sha256);
  });
});
