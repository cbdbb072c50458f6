/**
 * Stored bytes and the rows that refer to them, decided together under a lock on the digest: uploads through both
 * routes, forced replacements and deletions of the same bytes at once never remove bytes a row refers to nor leave
 * bytes nothing refers to; the sweep removes what is left over from crashes, and only that.
 */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createUser, type TestToken, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions, writeNotebook } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import type { Db } from "../db";
import { packageFiles, users } from "../db/schema";
import { AppError } from "../errors";
import { call, condaStyleUpload, sha256Of, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer } from "../protocols/test-support";
import { removeBlobIfUnreferenced, removeUnreferencedBlobs } from "./blob-references";
import { deleteFile, deletePackage } from "./package-changes";
import { publishFile } from "./publishing";

const db = setUpTestDatabase();
requireTools("cph", "pythonBuild");

interface Fixtures {
  directory: string;
  wheel: string;
  /** Two builds with one file name and different bytes, for forced replacements. */
  condaFirst: string;
  condaSecond: string;
  /** The same notebook bytes under several names. */
  notebooks: string[];
}
let fixtures: Fixtures;

beforeAll(() => {
  const directory = temporaryDirectory("blob-fixtures");
  const first = fs.mkdtempSync(path.join(directory, "first-"));
  const second = fs.mkdtempSync(path.join(directory, "second-"));
  const notebook = writeNotebook(directory, "shared.ipynb");
  fixtures = {
    directory,
    wheel: buildPythonDistributions({ name: "race-demo", version: "1.0" }, directory).wheel,
    condaFirst: buildCondaPackage({ name: "race-lib", version: "1.0", summary: "The first build" }, first),
    condaSecond: buildCondaPackage({ name: "race-lib", version: "1.0", summary: "The second build, other bytes" }, second),
    notebooks: ["one", "two", "three"].map((name) => {
      const copy = path.join(directory, `${name}.ipynb`);
      fs.copyFileSync(notebook, copy);
      return copy;
    }),
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer(db);
});
afterEach(async () => {
  await server.close();
});

/** Every blob in the store, by digest. */
function storedDigests(): string[] {
  const root = path.join(server.filesDirectory, "blobs");
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
}

function filesIn(folder: string): string[] {
  const full = path.join(server.filesDirectory, folder);
  return fs.existsSync(full) ? fs.readdirSync(full) : [];
}

/** Every listed file downloads with its sha256, and the store holds exactly the bytes the rows refer to. */
async function expectStoreMatchesRows(): Promise<number> {
  const rows = await db
    .select({ filename: packageFiles.filename, subdir: packageFiles.subdir, sha256: packageFiles.sha256, owner: users.username })
    .from(packageFiles)
    .innerJoin(users, eq(users.id, packageFiles.ownerId));
  for (const row of rows) {
    const response = await call(server, `/${row.owner}/files/${row.subdir}/${encodeURIComponent(row.filename)}`);
    expect(response.status, `${row.owner}/${row.subdir}/${row.filename}`).toBe(200);
    expect(sha256Of(response.body), `${row.owner}/${row.subdir}/${row.filename}`).toBe(row.sha256);
  }
  expect(storedDigests()).toEqual([...new Set(rows.map((row) => row.sha256))].sort());
  expect(filesIn("tmp")).toEqual([]);
  return rows.length;
}

/** Holds a session-level advisory lock on a connection of its own until the returned function is called. */
async function holdAdvisoryLock(key: number): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const isHeld = new Promise<void>((resolve) => (held = resolve));
  const holder = db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
    held();
    await released;
  });
  await Promise.race([isHeld, holder]);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    release();
    await holder;
  };
}

/** A small deterministic generator, so a failing mix of operations can be run again. */
function randomSource(seed: number) {
  let state = seed;
  return (below: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % below;
  };
}

describe("stored bytes under concurrent changes", () => {
  it("are never lost nor left behind by uploads, forced replacements and deletions of the same bytes", async () => {
    const owners: { user: TestUser; token: TestToken }[] = [];
    for (let index = 0; index < 3; index++) {
      const user = await createUser(db, { username: `racer${index}` });
      owners.push({ user, token: await createAccessToken(db, user, { scopes: ["all"] }) });
    }
    const random = randomSource(9);
    const deleteSomething = async (owner: TestUser) => {
      const files = await db.select({ id: packageFiles.id }).from(packageFiles).where(eq(packageFiles.ownerId, owner.id));
      const file = files[random(Math.max(files.length, 1))];
      if (!file) return;
      // Two deletions of one file may meet: the second finds nothing to delete.
      await deleteFile(db, owner.actor, { fileId: file.id }, server.store).catch((error: unknown) => {
        if (!(error instanceof AppError && error.code === "NOT_FOUND")) throw error;
      });
    };
    const operations: (() => Promise<unknown>)[] = [];
    for (let index = 0; index < 300; index++) {
      const { user, token } = owners[random(owners.length)]!;
      const auth = { "X-API-Key": token.secret };
      const choice = random(7);
      if (choice === 0) operations.push(() => twineStyleUpload(server, user.username, fixtures.wheel, auth));
      else if (choice === 1) operations.push(() => condaStyleUpload(server, user.username, fixtures.wheel, auth, { force: true }));
      else if (choice === 2) operations.push(() => condaStyleUpload(server, user.username, random(2) ? fixtures.condaFirst : fixtures.condaSecond, auth, { force: true }));
      else if (choice === 3) operations.push(() => condaStyleUpload(server, user.username, fixtures.notebooks[random(3)]!, auth, { force: random(2) === 0 }));
      else operations.push(() => deleteSomething(user));
    }
    const outcomes = await Promise.all(operations.map((operation) => operation()));
    // Uploads answer 2xx, or 409 for a file that exists (uploads without force).
    for (const outcome of outcomes) if (outcome && typeof outcome === "object" && "status" in outcome) expect([200, 201, 409]).toContain(outcome.status);
    expect(await expectStoreMatchesRows()).toBeGreaterThan(0);

    // Every owner's conda package replaced by the first build, at once: the second build's bytes go.
    const replaced = await Promise.all(
      owners.map(({ user, token }) => condaStyleUpload(server, user.username, fixtures.condaFirst, { "X-API-Key": token.secret }, { force: true })),
    );
    expect(replaced.map((response) => response.status)).toEqual(owners.map(() => 201));
    expect(storedDigests()).not.toContain(sha256Of(fs.readFileSync(fixtures.condaSecond)));
    await expectStoreMatchesRows();

    // Then everything goes, and so do the bytes.
    for (const { user } of owners) {
      for (const name of ["race-demo", "race-lib", "one", "two", "three"]) {
        await deletePackage(db, user.actor, { owner: user.username, name, confirmation: name }, server.store).catch((error: unknown) => {
          if (!(error instanceof AppError && error.code === "NOT_FOUND")) throw error;
        });
      }
    }
    expect(await expectStoreMatchesRows()).toBe(0);
  }, 120_000);

  it("keep a file whose upload found the bytes in place while another file with them was deleted", async () => {
    // The interleaving that lost uploads: the upload finds the bytes already stored and keeps them, then, before its
    // row commits, the deletion of the other file sees no reference left and removes them. A deferred trigger holds
    // the upload at its commit for as long as the test holds an advisory lock, so the deletion runs in that window.
    const [first, second] = fixtures.notebooks as [string, string];
    const alice = await createUser(db, { username: "alice" });
    const bob = await createUser(db, { username: "bob" });
    const aliceAuth = { "X-API-Key": (await createAccessToken(db, alice)).secret };
    const bobAuth = { "X-API-Key": (await createAccessToken(db, bob)).secret };
    const { fileId } = JSON.parse((await condaStyleUpload(server, alice.username, first, aliceAuth)).text) as { fileId: string };
    await db.execute(sql`create function hold_upload_commit() returns trigger language plpgsql as $$
      begin perform pg_advisory_lock(4242); perform pg_advisory_unlock(4242); return null; end $$`);
    await db.execute(sql`create constraint trigger hold_upload_commit after insert on package_files
      deferrable initially deferred for each row execute function hold_upload_commit()`);
    const waitingForLocks = async () => {
      const [row] = await db.execute<{ waiting: number }>(sql`select count(*)::int as waiting from pg_locks where locktype = 'advisory' and not granted`);
      return row?.waiting ?? 0;
    };
    const release = await holdAdvisoryLock(4242);
    try {
      const upload = condaStyleUpload(server, bob.username, second, bobAuth);
      await vi.waitFor(async () => expect(await waitingForLocks()).toBe(1), { timeout: 10_000, interval: 10 });
      let deleted = false;
      const deletion = deleteFile(db, alice.actor, { fileId }, server.store).then(() => (deleted = true));
      // The deletion either finishes (deciding while the upload's row is uncommitted) or waits for the digest's lock.
      await vi.waitFor(async () => expect(deleted || (await waitingForLocks()) === 2).toBe(true), { timeout: 10_000, interval: 10 });
      await release();
      expect((await upload).status).toBe(201);
      await deletion;
    } finally {
      await release();
      await db.execute(sql`drop trigger hold_upload_commit on package_files`);
      await db.execute(sql`drop function hold_upload_commit()`);
    }
    const download = await call(server, `/${bob.username}/files/notebooks/${path.basename(second)}`);
    expect(download.status).toBe(200);
    expect(sha256Of(download.body)).toBe(sha256Of(fs.readFileSync(second)));
    await expectStoreMatchesRows();
  });

  it("delete a package taking its row before its files, the order uploads take them in, so neither waits for the other", async () => {
    // A forced replacement holds the package's row (its upsert) and then wants the old file's row; a deletion that
    // took the files first and then wanted the package's row deadlocked with it. Here a transaction holds the
    // package's row as such an upload would, and the deletion must wait for it without having touched the files.
    const user = await createUser(db, { username: "orderly" });
    const auth = { "X-API-Key": (await createAccessToken(db, user)).secret };
    expect((await condaStyleUpload(server, user.username, fixtures.condaFirst, auth)).status).toBe(201);
    const [row] = await db.execute<{ id: string }>(sql`select id from packages where name = 'race-lib'`);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`select id from packages where id = ${row!.id} for update`);
      held();
      await released;
    });
    await isHeld;
    const deletion = deletePackage(db, user.actor, { owner: user.username, name: "race-lib", confirmation: "race-lib" }, server.store);
    try {
      await vi.waitFor(
        async () => {
          const [waiting] = await db.execute<{ count: number }>(sql`select count(*)::int as count from pg_locks where not granted`);
          expect(waiting?.count).toBeGreaterThan(0);
        },
        { timeout: 10_000, interval: 10 },
      );
      // The files are free: nothing holds their rows while the deletion waits for the package's.
      const files = await db.transaction(async (tx) =>
        tx.execute(sql`select id from package_files where package_id = ${row!.id} for update nowait`),
      );
      expect(files.length).toBe(1);
    } finally {
      release();
      await holder;
    }
    await deletion;
    expect(await expectStoreMatchesRows()).toBe(0);
  });

  it("removes the old bytes of a forced replacement when nothing else refers to them", async () => {
    const user = await createUser(db, { username: "replacer" });
    const auth = { "X-API-Key": (await createAccessToken(db, user)).secret };
    expect((await condaStyleUpload(server, user.username, fixtures.condaFirst, auth)).status).toBe(201);
    expect((await condaStyleUpload(server, user.username, fixtures.condaSecond, auth, { force: true })).status).toBe(201);
    expect(storedDigests()).toEqual([sha256Of(fs.readFileSync(fixtures.condaSecond))]);
    // Bytes another file still refers to stay.
    const other = await createUser(db, { username: "keeper" });
    const otherAuth = { "X-API-Key": (await createAccessToken(db, other)).secret };
    expect((await condaStyleUpload(server, other.username, fixtures.condaSecond, otherAuth)).status).toBe(201);
    expect((await condaStyleUpload(server, user.username, fixtures.condaFirst, auth, { force: true })).status).toBe(201);
    expect(storedDigests()).toEqual([fixtures.condaFirst, fixtures.condaSecond].map((file) => sha256Of(fs.readFileSync(file))).sort());
    await expectStoreMatchesRows();
  });
});

describe("removing bytes", () => {
  async function publishNotebook(owner: TestUser, filename: string) {
    const blob = await server.store.receive(Readable.from([fs.readFileSync(fixtures.notebooks[0]!)]), 1024 * 1024);
    return publishFile(db, owner.actor, { ownerName: owner.username, filename, blob, version: "1" }, server.store);
  }

  it("puts them back when the transaction that decided to remove them fails to commit", async () => {
    const owner = await createUser(db);
    const published = await publishNotebook(owner, "kept.ipynb");
    await db.delete(packageFiles).where(eq(packageFiles.id, published.fileId));
    // A deferred constraint fails at commit, after the bytes were set aside.
    await db.execute(sql`create table blob_commit_probe (file_id uuid references package_files (id) deferrable initially deferred)`);
    try {
      const failingCommit = async (tx: Db) => {
        await tx.execute(sql`insert into blob_commit_probe values (gen_random_uuid())`);
      };
      await expect(removeBlobIfUnreferenced(db, server.store, published.sha256, { beforeCommit: failingCommit })).rejects.toThrow();
    } finally {
      await db.execute(sql`drop table blob_commit_probe`);
    }
    expect(storedDigests()).toEqual([published.sha256]);
    expect(filesIn("trash")).toEqual([]);
    await removeBlobIfUnreferenced(db, server.store, published.sha256);
    expect(storedDigests()).toEqual([]);
  });

  it("removes the bytes an upload placed when its transaction fails to commit", async () => {
    const owner = await createUser(db);
    await db.execute(sql`create function fail_upload_commit() returns trigger language plpgsql as $$
      begin raise exception 'the commit failed'; end $$`);
    await db.execute(sql`create constraint trigger fail_upload_commit after insert on package_files
      deferrable initially deferred for each row execute function fail_upload_commit()`);
    try {
      await expect(publishNotebook(owner, "doomed.ipynb")).rejects.toThrow("the commit failed");
    } finally {
      await db.execute(sql`drop trigger fail_upload_commit on package_files`);
      await db.execute(sql`drop function fail_upload_commit()`);
    }
    expect(await db.select().from(packageFiles)).toEqual([]);
    expect(storedDigests()).toEqual([]);
    expect(filesIn("tmp")).toEqual([]);
  });

  it("sweeps bytes and temporary files nothing refers to once they are older than the grace period", async () => {
    const owner = await createUser(db);
    const kept = await publishNotebook(owner, "kept.ipynb");
    // What a crash leaves: bytes placed without a row, a temporary file, bytes set aside and never deleted.
    const orphan = await server.store.receive(Readable.from([Buffer.from("bytes nothing refers to")]), 1024);
    await server.store.commit(orphan);
    const stale = await server.store.receive(Readable.from([Buffer.from("an upload that never finished")]), 1024);
    // Set aside and never deleted: one nothing refers to, and one a file refers to, whose place is empty.
    const forgotten = await server.store.receive(Readable.from([Buffer.from("bytes a crashed removal set aside")]), 1024);
    await server.store.commit(forgotten);
    await server.store.setAside(forgotten.sha256);
    await server.store.setAside(kept.sha256);

    expect(await removeUnreferencedBlobs(db, server.store, { graceMilliseconds: 60_000 })).toEqual({ blobs: 0, temporaryFiles: 0 });
    expect(storedDigests()).toEqual([orphan.sha256]);
    expect(filesIn("tmp")).toHaveLength(1);
    expect(filesIn("trash")).toHaveLength(2);

    const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
    for (const folder of ["blobs", "tmp", "trash"]) {
      const root = path.join(server.filesDirectory, folder);
      for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) fs.utimesSync(path.join(entry.parentPath, entry.name), anHourAgo, anHourAgo);
      }
    }
    expect(await removeUnreferencedBlobs(db, server.store, { graceMilliseconds: 60_000 })).toEqual({ blobs: 1, temporaryFiles: 3 });
    expect(storedDigests()).toEqual([kept.sha256]);
    expect(fs.existsSync(stale.temporaryPath)).toBe(false);
    expect(filesIn("trash")).toEqual([]);
    await expectStoreMatchesRows();
  });
});
