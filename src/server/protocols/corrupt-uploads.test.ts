/**
 * Corrupt packages through the real upload routes: the conda upload API (which the web page and the CLI use)
 * and twine's legacy API, by hand and with twine itself. Each is refused with 400 and the reason, and leaves
 * nothing behind; the same packages undamaged, as the publishers' tools build them, are accepted. A missing
 * tool fails these tests with the command that installs it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bzip2Compress, readZipMember, rewriteZip } from "@/test/corrupt-packages";
import { setUpTestDatabase } from "@/test/db";
import { createUser, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { packageFiles, packages } from "../db/schema";
import { basicAuthorization, condaStyleUpload, run, startTestServer, storedFiles, temporaryDirectory, twineStyleUpload, type TestServer } from "./test-support";

const db = setUpTestDatabase();

requireTools("cph", "pythonBuild", "zstd", "bzip2", "twine");

interface Fixtures {
  directory: string;
  conda: string;
  tarBz2: string;
  wheel: string;
  /** Damaged copies, each under its good twin's file name in a folder of its own. */
  truncatedPayload: string;
  cutTarBz2: string;
  editedWheel: string;
}

let fixtures: Fixtures;

function damagedCopyPath(directory: string, kind: string, good: string): string {
  const folder = path.join(directory, kind);
  fs.mkdirSync(folder, { recursive: true });
  return path.join(folder, path.basename(good));
}

beforeAll(() => {
  const directory = temporaryDirectory("corrupt-uploads");
  const conda = buildCondaPackage({ name: "demo-app", version: "2.1" }, directory, "conda");
  const tarBz2 = buildCondaPackage({ name: "libdemo", version: "1.0" }, directory);
  const { wheel } = buildPythonDistributions({ name: "demo-tool", version: "1.0" }, directory);

  const payloadMember = "pkg-demo-app-2.1-py_0.tar.zst";
  const payload = readZipMember(conda, payloadMember);
  const truncatedPayload = rewriteZip(conda, damagedCopyPath(directory, "truncated-payload", conda), { replace: { [payloadMember]: payload.subarray(0, payload.length - 8) } });

  // The package tarball's first member, without the rest or the end-of-archive blocks, compressed properly.
  const tar = execFileSync("/usr/bin/bzip2", ["-dc", tarBz2]);
  const cutTarBz2 = damagedCopyPath(directory, "cut", tarBz2);
  fs.writeFileSync(cutTarBz2, bzip2Compress(tar.subarray(0, 1024)));

  // Same length as the original, so only RECORD's sha256 shows the change.
  const editedWheel = rewriteZip(wheel, damagedCopyPath(directory, "edited", wheel), { replace: { "demo_tool/__init__.py": '__version__ = "1.1"\n' } });
  fixtures = { directory, conda, tarBz2, wheel, truncatedPayload, cutTarBz2, editedWheel };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;

beforeEach(async () => {
  server = await startTestServer(db);
  alice = await createUser(db, { username: "alice" });
});

afterEach(async () => {
  await server.close();
});

const aliceAuth = () => ({ Authorization: basicAuthorization("alice", alice.password) });

async function expectNothingStored() {
  expect(storedFiles(server)).toEqual([]);
  expect(await db.select().from(packageFiles)).toEqual([]);
  expect(await db.select().from(packages)).toEqual([]);
}

describe("the conda upload API", () => {
  it("answers 400 with the damaged member and how, and stores nothing", async () => {
    const truncated = await condaStyleUpload(server, "alice", fixtures.truncatedPayload, aliceAuth());
    expect(truncated.status).toBe(400);
    expect(JSON.parse(truncated.text)).toEqual({ error: "demo-app-2.1-py_0.conda is not a valid .conda file: pkg-demo-app-2.1-py_0.tar.zst is truncated." });

    const cut = await condaStyleUpload(server, "alice", fixtures.cutTarBz2, aliceAuth());
    expect(cut.status).toBe(400);
    expect(JSON.parse(cut.text)).toEqual({
      error: "libdemo-1.0-py_0.tar.bz2 is not a valid .tar.bz2 file: it is truncated or corrupt (the package tarball ends in the middle of the archive).",
    });

    // The web page uploads wheels through this API too.
    const edited = await condaStyleUpload(server, "alice", fixtures.editedWheel, aliceAuth());
    expect(edited.status).toBe(400);
    expect(JSON.parse(edited.text)).toEqual({ error: "demo_tool-1.0-py3-none-any.whl is not a valid wheel file: demo_tool/__init__.py fails its RECORD sha256." });
    await expectNothingStored();
  });

  it("accepts the same packages undamaged, as cph and python -m build made them", async () => {
    for (const file of [fixtures.conda, fixtures.tarBz2, fixtures.wheel]) {
      const published = await condaStyleUpload(server, "alice", file, aliceAuth());
      expect(published.status, published.text).toBe(201);
    }
    expect(storedFiles(server).filter((file) => file.startsWith("blobs/"))).toHaveLength(3);
  });
});

describe("twine's legacy upload API", () => {
  it("answers 400 with the reason in the status line and the body, and stores nothing", async () => {
    const refused = await twineStyleUpload(server, "alice", fixtures.editedWheel, aliceAuth());
    expect(refused.status).toBe(400);
    const reason = "demo_tool-1.0-py3-none-any.whl is not a valid wheel file: demo_tool/__init__.py fails its RECORD sha256.";
    expect(refused.statusMessage).toBe(reason);
    expect(refused.text).toBe(`${reason}\n`);
    await expectNothingStored();
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceAuth())).status).toBe(200);
  });

  it("is refused to twine itself, which prints why", async () => {
    const home = temporaryDirectory("corrupt-twine-home");
    try {
      const environment = { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8", PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring" };
      const twine = (file: string) =>
        run("twine", ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", `${server.url}/alice/pypi/legacy/`, "-u", "alice", "-p", alice.password, file], {
          cwd: home,
          env: environment,
        });
      const refused = await twine(fixtures.editedWheel);
      expect(refused.code).not.toBe(0);
      const output = `${refused.stdout}${refused.stderr}`.replace(/\s+/g, " ");
      expect(output).toContain("HTTPError: 400 Bad Request");
      expect(output).toContain("demo_tool-1.0-py3-none-any.whl is not a valid wheel file: demo_tool/__init__.py fails its RECORD sha256.");
      await expectNothingStored();
      const accepted = await twine(fixtures.wheel);
      expect(accepted.code, `${accepted.stdout}${accepted.stderr}`).toBe(0);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
