/**
 * A full disk, for real: the files folder is a 2 MiB tmpfs, so an upload larger than what is left fails with the
 * kernel's own ENOSPC, through the conda upload API (which the web page uses), twine's API by hand and twine itself.
 * Each answers 507 with the reason and keeps nothing; downloads go on; administrators get one exception however
 * many uploads are refused, and the alarm (the admin pages' banner) until an upload succeeds or space is freed. A
 * database out of disk is PostgreSQL's own SQLSTATE 53100, raised by a real PostgreSQL from a trigger.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rewriteZip } from "@/test/corrupt-packages";
import { setUpTestDatabase } from "@/test/db";
import { createUser, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { exceptionGroups, packageFiles, packages } from "../db/schema";
import { clearStorageAlarm, currentStorageAlarm } from "../storage";
import { basicAuthorization, call, condaStyleUpload, run, startTestServer, storedFiles, temporaryDirectory, twineStyleUpload, type TestServer } from "./test-support";

const db = setUpTestDatabase();

requireTools("cph", "pythonBuild", "zstd", "bzip2", "twine");

const filesMessage = "Granary's file storage is full, so the upload was not stored. Tell the site administrator; try again once space has been freed.";
const databaseMessage = "Granary's database is out of disk space, so nothing was saved. Tell the site administrator; try again once space has been freed.";

let workspace: string;
let smallDisk: string;
let fixtures: { wheel: string; conda: string; bigWheel: string; bigConda: string };

beforeAll(() => {
  workspace = temporaryDirectory("storage-full");
  smallDisk = path.join(workspace, "files");
  fs.mkdirSync(smallDisk);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", smallDisk], { stdio: "pipe" });
  } catch (error) {
    throw new Error(`These tests mount a 2 MiB tmpfs as the files folder, which needs root (mount -t tmpfs -o size=2m tmpfs DIR): ${String(error)}`);
  }
  const { wheel } = buildPythonDistributions({ name: "small-tool", version: "1.0" }, workspace);
  const { wheel: seed } = buildPythonDistributions({ name: "big-tool", version: "1.0" }, workspace);
  // Three MiB that do not compress, in a real wheel twine can read: more than the whole small disk.
  const bigWheel = rewriteZip(seed, path.join(workspace, "big", path.basename(seed)), { add: { "big_tool/data.bin": randomBytes(3 * 1024 * 1024) } });
  const conda = buildCondaPackage({ name: "libsmall", version: "1.0" }, workspace);
  const bigConda = path.join(workspace, "big", "libbig-1.0-py_0.tar.bz2");
  fs.writeFileSync(bigConda, randomBytes(3 * 1024 * 1024));
  fixtures = { wheel, conda, bigWheel, bigConda };
}, 120_000);

afterAll(() => {
  if (smallDisk) execFileSync("umount", [smallDisk], { stdio: "pipe" });
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;

beforeEach(async () => {
  clearStorageAlarm();
  for (const entry of fs.readdirSync(smallDisk)) fs.rmSync(path.join(smallDisk, entry), { recursive: true, force: true });
  server = await startTestServer(db, { filesDirectory: smallDisk });
  alice = await createUser(db, { username: "alice" });
});

afterEach(async () => {
  await server.close();
  clearStorageAlarm();
});

const aliceAuth = () => ({ Authorization: basicAuthorization("alice", alice.password) });

async function storedRows() {
  return { packages: (await db.select().from(packages)).map((row) => row.name).sort(), files: (await db.select().from(packageFiles)).map((row) => row.filename).sort() };
}

async function exceptionOccurrences(): Promise<{ errorType: string; message: string; occurrences: number }[]> {
  return db.select({ errorType: exceptionGroups.errorType, message: exceptionGroups.message, occurrences: exceptionGroups.occurrences }).from(exceptionGroups);
}

const blobsAndTemporaryFiles = () => storedFiles(server).filter((file) => file.startsWith("blobs/") || file.startsWith("tmp/"));

describe("a full files folder", () => {
  it("answers uploads 507 with the reason, keeps nothing of them, serves downloads, and tells administrators once", async () => {
    const small = await condaStyleUpload(server, "alice", fixtures.wheel, aliceAuth());
    expect(small.status, small.text).toBe(201);
    const storedBefore = blobsAndTemporaryFiles();

    const conda = await condaStyleUpload(server, "alice", fixtures.bigConda, aliceAuth());
    expect(conda.status).toBe(507);
    expect(JSON.parse(conda.text)).toEqual({ error: filesMessage });
    const twine = await twineStyleUpload(server, "alice", fixtures.bigWheel, aliceAuth());
    expect(twine.status).toBe(507);
    expect(twine.statusMessage).toBe(filesMessage);
    expect(twine.text).toBe(`${filesMessage}\n`);

    // Not a byte of either is left: no temporary file, no blob, no row.
    expect(blobsAndTemporaryFiles()).toEqual(storedBefore);
    expect(await storedRows()).toEqual({ packages: ["small-tool"], files: ["small_tool-1.0-py3-none-any.whl"] });

    // What is stored is still served.
    const page = await call(server, "/alice/simple/small-tool/");
    expect(page.status).toBe(200);
    const download = await call(server, (JSON.parse(small.text) as { downloadUrl: string }).downloadUrl);
    expect(download.status).toBe(200);
    expect(download.body.equals(fs.readFileSync(fixtures.wheel))).toBe(true);

    // One exception for the episode, not one per refused upload, and the alarm for the banner.
    expect(await exceptionOccurrences()).toEqual([{ errorType: "StorageFullError", message: filesMessage, occurrences: 1 }]);
    expect(await currentStorageAlarm()).toMatchObject({ storage: "files", message: filesMessage });

    // An upload that fits clears the alarm.
    const fits = await condaStyleUpload(server, "alice", fixtures.conda, aliceAuth());
    expect(fits.status, fits.text).toBe(201);
    expect(await currentStorageAlarm()).toBeNull();
  });

  it("is refused to twine itself, which prints why", async () => {
    const home = temporaryDirectory("storage-full-twine-home");
    try {
      const environment = { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8", PYTHON_KEYRING_BACKEND: "keyring.backends.null.Keyring" };
      const refused = await run(
        "twine",
        ["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", `${server.url}/alice/pypi/legacy/`, "-u", "alice", "-p", alice.password, fixtures.bigWheel],
        { cwd: home, env: environment },
      );
      expect(refused.code).not.toBe(0);
      const output = `${refused.stdout}${refused.stderr}`.replace(/\s+/g, " ");
      expect(output).toContain("HTTPError: 507 Insufficient Storage");
      expect(output).toContain(filesMessage);
      expect(blobsAndTemporaryFiles()).toEqual([]);
      expect(await storedRows()).toEqual({ packages: [], files: [] });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it("clears the alarm by itself once space has been freed", async () => {
    // Something else filled the disk: the upload fails on the first bytes.
    const filler = path.join(smallDisk, "filler");
    try {
      fs.writeFileSync(filler, randomBytes(2 * 1024 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    }
    const refused = await condaStyleUpload(server, "alice", fixtures.conda, aliceAuth());
    expect(refused.status).toBe(507);
    expect(await currentStorageAlarm()).toMatchObject({ storage: "files" });

    fs.rmSync(filler);
    // The free space is looked at every few seconds at most: a moment later, the alarm is gone.
    expect(await currentStorageAlarm(Date.now() + 60_000)).toBeNull();
    expect(blobsAndTemporaryFiles()).toEqual([]);
  });
});

describe("a database out of disk", () => {
  beforeEach(async () => {
    // PostgreSQL's own disk_full error, as it raises it when it cannot extend a table's file.
    await db.execute(sql`
      create or replace function storage_full_test_disk_full() returns trigger language plpgsql as $$
      begin
        raise exception 'could not extend file "base/16384/16402": No space left on device' using errcode = 'disk_full';
      end $$`);
    await db.execute(sql`create trigger storage_full_test before insert on package_files for each statement execute function storage_full_test_disk_full()`);
  });

  afterEach(async () => {
    await db.execute(sql`drop trigger if exists storage_full_test on package_files`);
    await db.execute(sql`drop function if exists storage_full_test_disk_full()`);
  });

  it("answers uploads 507, keeps neither bytes nor rows, and tells administrators once", async () => {
    const conda = await condaStyleUpload(server, "alice", fixtures.conda, aliceAuth());
    expect(conda.status).toBe(507);
    expect(JSON.parse(conda.text)).toEqual({ error: databaseMessage });
    const twine = await twineStyleUpload(server, "alice", fixtures.wheel, aliceAuth());
    expect(twine.status).toBe(507);
    expect(twine.statusMessage).toBe(databaseMessage);

    expect(blobsAndTemporaryFiles()).toEqual([]);
    expect(await storedRows()).toEqual({ packages: [], files: [] });
    expect(await exceptionOccurrences()).toEqual([{ errorType: "StorageFullError", message: databaseMessage, occurrences: 1 }]);
    expect(await currentStorageAlarm()).toMatchObject({ storage: "database" });
  });
});
