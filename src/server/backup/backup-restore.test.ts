/**
 * Backup and restore against a real embedded PostgreSQL that serves uploads and deletions while the backup runs,
 * restored onto a new data folder: every package, file (by hash), token (it still signs in) and audit event that
 * the backup holds is back, and nothing refers to bytes that are missing. Then the ways a backup can be wrong, each
 * refused with a clear message and nothing changed.
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { asc, eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessToken, createUser, testOrigin, type TestToken, type TestUser } from "@/test/factories";
import { commandLineActor } from "../authz";
import { connectDatabase, type DatabaseConnection } from "../db/client";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded";
import { applyMigrations } from "../db/migrate";
import { accessTokens, auditEvents, packageFiles, packages, users } from "../db/schema";
import { call, condaStyleUpload, sha256Of, temporaryDirectory, testAuthSecret } from "../protocols/test-support";
import { startProtocolServer, type ProtocolServer } from "../protocols/server";
import { actorFor } from "@/test/factories";
import { deleteFile } from "../services/package-changes";
import { BlobStore } from "../storage";
import { requireTools } from "@/test/tools";
import { createBackup, readManifest, restoreBackup, type BackupManifest } from ".";

requireTools("pgDump");

// Starting, backing up and restoring real clusters takes a while on a loaded machine.
const slow = { timeout: 300_000 };

interface Granary {
  dataDirectory: string;
  filesDirectory: string;
  postgres: EmbeddedServer;
  databaseUrl: string;
  connection: DatabaseConnection;
  protocols: ProtocolServer;
  close(): Promise<void>;
}

/** What the launcher sets up in embedded mode: a data folder with secrets.json, a cluster, the migrated database. */
async function startGranary(dataDirectory: string, options: { create: boolean }): Promise<Granary> {
  const secretsFile = path.join(dataDirectory, "secrets.json");
  if (options.create) {
    fs.mkdirSync(dataDirectory, { recursive: true });
    fs.writeFileSync(secretsFile, JSON.stringify({ authSecret: randomBytes(32).toString("base64url"), databasePassword: randomBytes(24).toString("base64url") }), { mode: 0o600 });
  }
  const { databasePassword } = JSON.parse(fs.readFileSync(secretsFile, "utf8")) as { databasePassword: string };
  const server = await startEmbeddedPostgres({ directory: path.join(dataDirectory, "postgres"), password: databasePassword });
  if (options.create) {
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    await admin.unsafe("create database granary");
    await admin.end();
  }
  const url = new URL(server.url);
  url.pathname = "/granary";
  const databaseUrl = url.toString();
  if (options.create) await applyMigrations(databaseUrl);
  const connection = connectDatabase(databaseUrl, { max: 6 });
  const filesDirectory = path.join(dataDirectory, "files");
  const protocols = await startProtocolServer({
    db: connection.db,
    store: new BlobStore(filesDirectory),
    authSecret: testAuthSecret,
    maxUploadBytes: 10 * 1024 * 1024,
    downloadFlushIntervalMs: 3_600_000,
    channelMemoMilliseconds: 0,
    trustedProxies: 0,
  });
  return {
    dataDirectory,
    filesDirectory,
    postgres: server,
    databaseUrl,
    connection,
    protocols,
    async close() {
      await protocols.close();
      await connection.close();
      await server.stop();
    },
  };
}

function notebook(directory: string, name: string): string {
  const file = path.join(directory, `${name}.ipynb`);
  const cells = [{ cell_type: "markdown", metadata: {}, source: [`# ${name}\n`, `${randomBytes(2048).toString("base64")}\n`] }];
  fs.writeFileSync(file, JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
  return file;
}

async function rowsOf(connection: DatabaseConnection) {
  const { db } = connection;
  return {
    users: await db.select().from(users).orderBy(asc(users.id)),
    packages: await db.select().from(packages).orderBy(asc(packages.id)),
    files: await db.select().from(packageFiles).orderBy(asc(packageFiles.id)),
    tokens: await db.select().from(accessTokens).orderBy(asc(accessTokens.id)),
    audit: await db.select().from(auditEvents).orderBy(asc(auditEvents.id)),
  };
}
type Rows = Awaited<ReturnType<typeof rowsOf>>;

const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));

const root = temporaryDirectory("backup");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("granary-admin backup and restore (embedded PostgreSQL)", () => {
  let source: Granary;
  const early: string[] = [];
  let alice: TestUser;
  let token: TestToken;
  let privateNotebook: string;
  const backupDirectory = path.join(root, "backup");
  let manifest: BackupManifest;
  let before: Rows;
  let after: Rows;
  /** Files deleted while the backup ran: the backup may hold them or not, but never without their bytes. */
  const deletedFileIds = new Set<string>();
  let uploadsDuringBackup = 0;
  const failedUploads: string[] = [];

  beforeAll(async () => {
    source = await startGranary(path.join(root, "source"), { create: true });
    alice = await createUser(source.connection.db, { username: "alice" });
    token = await createAccessToken(source.connection.db, alice, { name: "ci" });
    const auth = { "X-API-Key": token.secret };
    const notebooks = fs.mkdtempSync(path.join(root, "notebooks-"));
    privateNotebook = notebook(notebooks, "private-analysis");
    expect((await condaStyleUpload(source.protocols, "alice", privateNotebook, auth, { private: true })).status).toBe(201);
    for (let index = 0; index < 6; index++) {
      const response = await condaStyleUpload(source.protocols, "alice", notebook(notebooks, `early-${index}`), auth);
      expect(response.status).toBe(201);
      early.push((JSON.parse(response.text) as { fileId: string }).fileId);
    }

    // Uploads and deletions go on for as long as the backup runs. Each uploader publishes to its own account: two
    // publishers to one owner at once can deadlock on the owner's row (a known, separate problem).
    const uploaders = await Promise.all(
      ["bob", "carol", "dave"].map(async (username) => {
        const user = await createUser(source.connection.db, { username });
        return { username, auth: { "X-API-Key": (await createAccessToken(source.connection.db, user)).secret } };
      }),
    );
    before = await rowsOf(source.connection);
    let backingUp = true;
    let made = 0;
    const uploads = uploaders.map(async (uploader) => {
      while (backingUp) {
        const response = await condaStyleUpload(source.protocols, uploader.username, notebook(notebooks, `during-${made++}`), uploader.auth);
        if (response.status !== 201) failedUploads.push(`${response.status} ${response.text}`);
        else if (backingUp) uploadsDuringBackup += 1;
      }
    });
    const deleteEarlyFile = async (fileId: string) => {
      deletedFileIds.add(fileId);
      await deleteFile(source.connection.db, actorFor(alice, testOrigin), { fileId }, new BlobStore(source.filesDirectory));
    };
    const deletions = (async () => {
      for (const fileId of early.slice(0, 3)) await deleteEarlyFile(fileId);
    })();
    try {
      manifest = await createBackup({
        target: backupDirectory,
        source: { kind: "embedded", databaseUrl: source.databaseUrl, postgresDirectory: path.join(source.dataDirectory, "postgres") },
        filesDirectory: source.filesDirectory,
        secretsFile: path.join(source.dataDirectory, "secrets.json"),
        // The database is copied and the files are not yet: the worst moment for a file's removal, since the
        // backup's rows still refer to the bytes.
        onProgress: async (event) => {
          if (event.stage === "Copying the stored files" && event.done === 0) await deleteEarlyFile(early[3]!);
        },
      });
    } finally {
      backingUp = false;
      await Promise.all([...uploads, deletions]);
    }
    after = await rowsOf(source.connection);
  }, 300_000);

  afterAll(async () => {
    await source?.close();
  });

  it("backs up while uploads run, and restores onto a new data folder every package, file, token and audit event", slow, async () => {
    expect(failedUploads).toEqual([]);
    expect(uploadsDuringBackup).toBeGreaterThan(0);
    expect(manifest).toMatchObject({ format: "granary-backup", database: { kind: "cluster" }, hasSecrets: true, counts: { users: 4 } });

    const restoredDirectory = path.join(root, "restored");
    const result = await restoreBackup({
      source: backupDirectory,
      target: { kind: "embedded" },
      dataDirectory: restoredDirectory,
      filesDirectory: path.join(restoredDirectory, "files"),
      actor: commandLineActor({ ipAddress: "local", userAgent: "granary-admin (test)" }),
    });
    expect(result.setAside).toEqual([]);
    const restored = await startGranary(restoredDirectory, { create: false });
    try {
      const everything = await rowsOf(restored.connection);
      // The restore writes one event of its own into the restored trail; everything else is the backup's.
      const restoreEvents = everything.audit.filter((event) => event.action === "admin.backup_restored");
      expect(restoreEvents).toEqual([expect.objectContaining({ actorLabel: "command line", targetType: "backup", targetLabel: backupDirectory, userAgent: "granary-admin (test)" })]);
      const rows = { ...everything, audit: everything.audit.filter((event) => event.action !== "admin.backup_restored") };
      expect(result.counts).toMatchObject({ users: rows.users.length, packages: rows.packages.length, package_files: rows.files.length, audit_events: rows.audit.length });
      expect(restoreEvents[0]!.details).toMatchObject({ counts: result.counts, database: "cluster", forced: false });

      // Everything from before the backup is back as it was, except the files deleted while it ran.
      // An account's package count follows its packages, which went on being uploaded after the backup: in the
      // restored database it counts the restored packages.
      const withoutCount = ({ packageCount: _count, ...user }: Rows["users"][number]) => user;
      expect(rows.users.map(withoutCount)).toEqual(after.users.map(withoutCount));
      for (const user of rows.users) expect(user.packageCount, user.username).toBe(rows.packages.filter((pkg) => pkg.ownerId === user.id).length);
      expect(rows.tokens).toEqual(after.tokens);
      const restoredFiles = byId(rows.files);
      for (const file of before.files) if (!deletedFileIds.has(file.id)) expect(restoredFiles.get(file.id)).toEqual(file);
      const restoredPackages = byId(rows.packages);
      for (const pkg of before.packages) expect(restoredPackages.has(pkg.id)).toBe(true);
      const restoredAudit = byId(rows.audit);
      for (const event of before.audit) expect(restoredAudit.get(event.id)).toEqual(event);

      // And nothing that never was: every restored row is one the source had (files: or deleted while backing up).
      const sourceFiles = byId(after.files);
      for (const file of rows.files) if (!deletedFileIds.has(file.id)) expect(sourceFiles.get(file.id)).toEqual(file);
      const sourceAudit = byId(after.audit);
      for (const event of rows.audit) expect(sourceAudit.get(event.id)).toEqual(event);
      expect(rows.files.length).toBeGreaterThan(before.files.length - deletedFileIds.size);
      // Deleted after the database was copied: in the backup, so its bytes must be too.
      expect(restoredFiles.has(early[3]!)).toBe(true);

      // Every file a restored row refers to is stored, with its bytes.
      const store = new BlobStore(restored.filesDirectory);
      for (const file of rows.files) {
        const stored = store.blobPath(file.sha256);
        expect(fs.existsSync(stored), `${file.filename}'s bytes`).toBe(true);
        expect(sha256Of(fs.readFileSync(stored))).toBe(file.sha256);
      }

      // The token still signs in: the private notebook downloads with it, and is hidden without it.
      const target = `/alice/files/notebooks/${path.basename(privateNotebook)}`;
      const download = await call(restored.protocols, target, { headers: { "X-API-Key": token.secret } });
      expect(download.status).toBe(200);
      expect(sha256Of(download.body)).toBe(sha256Of(fs.readFileSync(privateNotebook)));
      expect((await call(restored.protocols, target)).status).toBe(404);
    } finally {
      await restored.close();
    }
  });

  it("refuses a damaged backup, a newer one, a missing folder and a data folder in use, changing nothing", slow, async () => {
    const target = path.join(root, "refused");
    const restoreFrom = (folder: string, options: { force?: boolean; dataDirectory?: string } = {}) =>
      restoreBackup({
        source: folder,
        target: { kind: "embedded" },
        dataDirectory: options.dataDirectory ?? target,
        filesDirectory: path.join(options.dataDirectory ?? target, "files"),
        force: options.force,
        actor: commandLineActor({ ipAddress: "local", userAgent: "granary-admin (test)" }),
      });
    const copyOfBackup = (name: string) => {
      const copy = path.join(root, name);
      fs.cpSync(backupDirectory, copy, { recursive: true });
      return copy;
    };

    await expect(restoreFrom(path.join(root, "no-such-backup"))).rejects.toThrow(/no backup at .*no-such-backup: the folder does not exist/);

    const garbled = copyOfBackup("garbled");
    fs.writeFileSync(path.join(garbled, "manifest.json"), '{"format": "granary-backup", "formatVersion": 1, "files": [');
    await expect(restoreFrom(garbled)).rejects.toThrow(/manifest\.json is damaged: it is not valid JSON/);

    const newer = copyOfBackup("newer");
    const manifestFile = path.join(newer, "manifest.json");
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(restoreFrom(newer)).rejects.toThrow(/has format 99, newer than the 1 this Granary reads/);
    fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, lastMigration: { hash: "x", createdAt: Date.now() + 365 * 86_400_000 } }));
    await expect(restoreFrom(newer)).rejects.toThrow(/made by a newer Granary .* update Granary first/);

    const tampered = copyOfBackup("tampered");
    const storedFile = manifest.files.find((file) => file.path.startsWith("files/"))!;
    fs.appendFileSync(path.join(tampered, ...storedFile.path.split("/")), "x");
    await expect(restoreFrom(tampered)).rejects.toThrow(new RegExp(`damaged, so nothing was restored: ${storedFile.path} does not match its hash`));
    const missingFile = manifest.files.find((file) => file.path.startsWith("database/"))!;
    fs.rmSync(path.join(tampered, ...missingFile.path.split("/")));
    await expect(restoreFrom(tampered)).rejects.toThrow(`${missingFile.path} is missing`);
    expect(fs.existsSync(target)).toBe(false);

    // The source's own data folder: its PostgreSQL runs.
    await expect(restoreFrom(backupDirectory, { dataDirectory: source.dataDirectory, force: true })).rejects.toThrow(/PostgreSQL is running .*: stop Granary before restoring/);
    // A data folder that holds a database already, without --force.
    await expect(restoreFrom(backupDirectory, { dataDirectory: path.join(root, "restored") })).rejects.toThrow(/already holds a database: restore onto a fresh data folder, or add --force/);

    // A backup goes only into a new or empty folder.
    await expect(
      createBackup({ target: garbled, source: { kind: "embedded", databaseUrl: source.databaseUrl, postgresDirectory: path.join(source.dataDirectory, "postgres") }, filesDirectory: source.filesDirectory }),
    ).rejects.toThrow(/is not empty: give a new or empty folder/);
    expect(fs.readFileSync(path.join(garbled, "manifest.json"), "utf8")).toContain('"files": [');
  });

  it("with DATABASE_URL, refuses a pg_dump older than the server, saying which to install, and leaves no folder behind", slow, async () => {
    const target = path.join(root, "external");
    const attempt = createBackup({ target, source: { kind: "external", databaseUrl: source.databaseUrl }, filesDirectory: source.filesDirectory });
    // Debian 12's pg_dump is 15; the server here is PostgreSQL 18.
    await expect(attempt).rejects.toThrow(/pg_dump is pg_dump \(PostgreSQL\) 15.*older than the server's PostgreSQL 18.*install the PostgreSQL 18 client tools.*POSTGRES_CLIENT_BIN/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it("granary-admin backup backs up the running Granary, audited; restore of a missing folder is a clear error with exit code 1", slow, async () => {
    const bin = path.resolve(__dirname, "..", "..", "..", "bin", "granary-admin.mjs");
    const granaryAdmin = (args: string[], dataDirectory: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const environment: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDirectory };
        delete environment.DATABASE_URL;
        delete environment.FILES_DIR;
        const child = spawn(process.execPath, [bin, ...args], { env: environment, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const help = await granaryAdmin(["backup", "--help"], source.dataDirectory);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/online backup[\s\S]*DATABASE_URL[\s\S]*pg_dump/);

    const target = path.join(root, "cli-backup");
    const backup = await granaryAdmin(["backup", target], source.dataDirectory);
    expect(backup).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Backed up 4 accounts, \d+ packages, \d+ file rows and \d+ stored files .* into .*cli-backup\./) });
    expect(backup.stderr).toContain("the embedded PostgreSQL of the running Granary");
    expect(readManifest(target).database.kind).toBe("cluster");
    const events = await source.connection.db.select().from(auditEvents).where(eq(auditEvents.action, "admin.backup_created"));
    expect(events).toEqual([expect.objectContaining({ actorLabel: "command line", targetType: "backup", targetLabel: target, ipAddress: "local" })]);

    const missing = path.join(root, "cli-data");
    const restore = await granaryAdmin(["restore", path.join(root, "no-such-backup"), "--yes"], missing);
    expect(restore).toMatchObject({ code: 1, stderr: expect.stringMatching(/^granary-admin: There is no backup at .*no-such-backup: the folder does not exist\.\n$/) });
    expect(fs.existsSync(missing)).toBe(false);
  });
});
