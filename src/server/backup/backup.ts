/**
 * `granary-admin backup DIR`: a consistent copy of the database and the stored files, taken while Granary runs.
 *
 * Rows and files agree because of two rules the rest of Granary keeps (services/blob-references.ts): a file's bytes
 * are in place before its row commits, and bytes go only after the last row referring to them has gone. So the
 * backup reads the database first and copies the files after, and for that whole time holds the blob-removal gate,
 * which makes removals leave bytes for the sweep instead of deleting them. Every row in the backup then finds its
 * bytes.
 *
 * - Embedded PostgreSQL: PostgreSQL's own online backup of the whole cluster (pg_backup_start, a copy of the data
 *   folder, pg_backup_stop, then the WAL written meanwhile, kept by a temporary replication slot), which is what
 *   pg_basebackup does. The embedded package ships no pg_dump or pg_basebackup, and Debian's are older than its
 *   PostgreSQL 18. Restored, the cluster recovers to the end of the copied WAL; the stored files are copied after
 *   that, all of them (bytes no row refers to any more are swept away later on the restored server).
 * - External PostgreSQL: pg_dump (from POSTGRES_CLIENT_BIN or the PATH; it must be at least the server's major
 *   version) of the granary database in a snapshot exported by the backup's own transaction, and exactly the files
 *   the rows in that snapshot refer to.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import packageJson from "../../../package.json";
import { blobRemovalGate } from "../services/blob-references";
import { BlobStore } from "../storage/blob-store";
import { BackupError } from "./errors";
import { copyHashed, hashFile, manifestPath, type ProgressListener } from "./files";
import { backupFormat, backupFormatVersion, writeManifest, type BackedUpFile, type BackupManifest } from "./manifest";

const execFileAsync = promisify(execFile);

export type BackupSource =
  /** `databaseUrl` reaches the granary database on the embedded server whose data folder is `postgresDirectory`. */
  | { kind: "embedded"; databaseUrl: string; postgresDirectory: string }
  | { kind: "external"; databaseUrl: string; postgresClientBin?: string };

export interface BackupOptions {
  /** The backup folder: created, or an empty one. */
  target: string;
  source: BackupSource;
  filesDirectory: string;
  /** The data folder's secrets.json, when there is one: the embedded cluster's password and the key of sealed settings. */
  secretsFile?: string;
  onProgress?: ProgressListener;
  log?: (message: string) => void;
}

/** Tables whose row counts the manifest records, for the operator to compare after a restore. */
export const countedTables = ["users", "packages", "package_files", "access_tokens", "audit_events", "organization_members"] as const;

type Session = postgres.ReservedSql;

async function countRows(session: Session): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of countedTables) {
    const [row] = await session.unsafe<{ count: string }[]>(`select count(*)::text as count from "${table}"`);
    counts[table] = Number(row?.count ?? 0);
  }
  return counts;
}

async function lastMigration(session: Session): Promise<BackupManifest["lastMigration"]> {
  const [row] = await session<{ hash: string; created_at: string }[]>`select hash, created_at::text from drizzle.__drizzle_migrations order by created_at desc limit 1`;
  return row ? { hash: row.hash, createdAt: Number(row.created_at) } : null;
}

function prepareTarget(target: string): boolean {
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new BackupError(`${target} exists and is not a folder: give a new or empty folder for the backup.`);
    if (fs.readdirSync(target).length > 0) throw new BackupError(`${target} is not empty: give a new or empty folder, so no earlier backup is mixed in.`);
    return false;
  }
  fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  return true;
}

/** Paths in the data folder that pg_basebackup leaves out too: they are rebuilt, or belong to the running server. */
const skippedClusterFiles = new Set(["postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "current_logfiles", "pg_internal.init"]);
/** Folders whose contents are left out (the folders themselves are kept). pg_wal is copied after pg_backup_stop. */
const emptiedClusterFolders = new Set(["pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans"]);

async function walkCluster(root: string): Promise<{ files: string[]; directories: string[] }> {
  const files: string[] = [];
  const directories: string[] = [];
  const walk = async (relative: string) => {
    const entries = await fsp.readdir(path.join(root, relative), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      // A folder dropped meanwhile (a database or table removed during the backup): WAL replay removes it again.
      if (error.code === "ENOENT") return [];
      throw error;
    });
    for (const entry of entries) {
      const child = relative ? path.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) {
        directories.push(child);
        if (!(relative === "" && emptiedClusterFolders.has(entry.name)) && !entry.name.startsWith("pgsql_tmp")) await walk(child);
      } else if (entry.isFile() && !skippedClusterFiles.has(entry.name) && !entry.name.startsWith("pgsql_tmp")) {
        files.push(child);
      }
    }
  };
  await walk("");
  return { files, directories };
}

class BackupWriter {
  readonly files: BackedUpFile[] = [];

  constructor(
    readonly target: string,
    private readonly onProgress?: ProgressListener,
  ) {}

  /** Copies a file into the backup; false when it vanished before it could be read. */
  async add(source: string, relativePath: string): Promise<boolean> {
    try {
      const copied = await copyHashed(source, path.join(this.target, ...relativePath.split("/")));
      this.files.push({ path: relativePath, ...copied });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  async addAll(stage: string, entries: { source: string; path: string; required: boolean }[]): Promise<void> {
    let done = 0;
    await this.onProgress?.({ stage, done, total: entries.length });
    for (const entry of entries) {
      const added = await this.add(entry.source, entry.path);
      if (!added && entry.required) throw new BackupError(`${entry.source} disappeared during the backup, although the database refers to it.`);
      done += 1;
      await this.onProgress?.({ stage, done, total: entries.length });
    }
  }
}

async function copyStoredFiles(writer: BackupWriter, filesDirectory: string, digests: string[] | "all"): Promise<void> {
  const store = new BlobStore(filesDirectory);
  const chosen = digests === "all" ? (await store.listBlobs()).map((blob) => blob.sha256) : digests;
  const entries = chosen.map((sha256) => ({
    source: store.blobPath(sha256),
    path: manifestPath("files", path.relative(filesDirectory, store.blobPath(sha256))),
    required: digests !== "all",
  }));
  await writer.addAll("Copying the stored files", entries);
  for (const entry of writer.files.filter((file) => file.path.startsWith("files/"))) {
    // Content-addressed: a file whose bytes are not its name is damaged on disk, and a restore would serve it as is.
    if (path.basename(entry.path) !== entry.sha256) throw new BackupError(`The stored file ${entry.path} does not match its digest: it is damaged on disk.`);
  }
}

async function serverVersion(session: Session): Promise<{ text: string; major: number }> {
  const [row] = await session<{ server_version: string; server_version_num: string }[]>`select current_setting('server_version') as server_version, current_setting('server_version_num') as server_version_num`;
  return { text: row!.server_version, major: Math.floor(Number(row!.server_version_num) / 10_000) };
}

async function backUpCluster(session: Session, source: Extract<BackupSource, { kind: "embedded" }>, writer: BackupWriter, log: (message: string) => void) {
  const version = await serverVersion(session);
  const slot = `granary_backup_${process.pid}`;
  // Keeps every WAL segment from here on until this session ends, so none is recycled before it is copied.
  await session`select pg_create_physical_replication_slot(${slot}, true, true)`;
  await session`select pg_backup_start(${"granary-admin backup"}, true)`;
  log("PostgreSQL's online backup has started: copying the data folder.");
  const cluster = await walkCluster(source.postgresDirectory);
  await writer.addAll(
    "Copying the database",
    cluster.files.map((file) => ({ source: path.join(source.postgresDirectory, file), path: manifestPath("database/cluster", file), required: false })),
  );
  // From here until the files are copied, no stored bytes are removed.
  await session`select pg_advisory_lock(${blobRemovalGate.classKey}, ${blobRemovalGate.key})`;
  const [stopped] = await session<{ labelfile: string }[]>`select labelfile from pg_backup_stop(false)`;
  const label = path.join(writer.target, "backup_label.tmp");
  await fsp.writeFile(label, stopped!.labelfile);
  await writer.add(label, "database/cluster/backup_label");
  await fsp.rm(label, { force: true });
  const startSegment = /START WAL LOCATION: .* \(file ([0-9A-F]{24})\)/.exec(stopped!.labelfile)?.[1] ?? "";
  const walFolder = path.join(source.postgresDirectory, "pg_wal");
  const segments = (await fsp.readdir(walFolder))
    .filter((name) => (/^[0-9A-F]{24}$/.test(name) && name >= startSegment) || /^[0-9A-F]{8}\.history$/.test(name))
    .sort();
  await writer.addAll(
    "Copying the database's WAL",
    segments.map((name) => ({ source: path.join(walFolder, name), path: manifestPath("database/cluster/pg_wal", name), required: true })),
  );
  return { kind: "cluster" as const, folder: "database/cluster" as const, postgresVersion: version.text, directories: cluster.directories.map((folder) => manifestPath(folder)).sort() };
}

export async function clientToolVersion(bin: string | undefined, tool: "pg_dump" | "pg_restore"): Promise<{ executable: string; text: string; major: number }> {
  const executable = bin ? path.join(bin, tool) : tool;
  try {
    const { stdout } = await execFileAsync(executable, ["--version"]);
    const text = stdout.trim();
    // "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    return { executable, text, major: Number(/\(PostgreSQL\)\s+(\d+)/.exec(text)?.[1] ?? 0) };
  } catch {
    throw new BackupError(`${executable} cannot be run: install the PostgreSQL client tools (Debian: apt-get install postgresql-client) or set POSTGRES_CLIENT_BIN to their bin folder.`);
  }
}

async function backUpDump(session: Session, source: Extract<BackupSource, { kind: "external" }>, writer: BackupWriter, log: (message: string) => void) {
  const version = await serverVersion(session);
  const pgDump = await clientToolVersion(source.postgresClientBin, "pg_dump");
  if (pgDump.major < version.major) {
    throw new BackupError(
      `${pgDump.executable} is ${pgDump.text}, older than the server's PostgreSQL ${version.text}, which it cannot dump: install the PostgreSQL ${version.major} client tools (e.g. postgresql-client-${version.major} from apt.postgresql.org) and set POSTGRES_CLIENT_BIN to their bin folder.`,
    );
  }
  await session`select pg_advisory_lock(${blobRemovalGate.classKey}, ${blobRemovalGate.key})`;
  await session.unsafe("begin isolation level repeatable read read only");
  const [exported] = await session<{ snapshot: string }[]>`select pg_export_snapshot() as snapshot`;
  const digests = (await session<{ sha256: string }[]>`select distinct sha256 from package_files order by sha256`).map((row) => row.sha256);
  log(`Dumping the granary database with ${pgDump.text}.`);
  const dumpFile = path.join(writer.target, "database", "granary.dump");
  await fsp.mkdir(path.dirname(dumpFile), { recursive: true });
  try {
    await execFileAsync(pgDump.executable, ["--format=custom", `--snapshot=${exported!.snapshot}`, "--no-owner", `--file=${dumpFile}`, `--dbname=${source.databaseUrl}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    throw new BackupError(`pg_dump failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
  // Hashed in place: pg_dump wrote it into the backup.
  writer.files.push({ path: "database/granary.dump", ...(await hashFile(dumpFile)) });
  await session.unsafe("commit");
  return { digests, database: { kind: "dump" as const, file: "database/granary.dump" as const, postgresVersion: version.text, pgDumpVersion: pgDump.text } };
}

export async function createBackup(options: BackupOptions): Promise<BackupManifest> {
  const log = options.log ?? (() => {});
  const target = path.resolve(options.target);
  const created = prepareTarget(target);
  const writer = new BackupWriter(target, options.onProgress);
  const createdAt = new Date().toISOString();
  const client = postgres(options.source.databaseUrl, { max: 1, onnotice: () => {}, idle_timeout: 0, connect_timeout: 10 });
  try {
    const session = await client.reserve();
    try {
      const counts = await countRows(session);
      const migration = await lastMigration(session);
      let database: BackupManifest["database"];
      if (options.source.kind === "embedded") {
        database = await backUpCluster(session, options.source, writer, log);
        await copyStoredFiles(writer, options.filesDirectory, "all");
      } else {
        const dumped = await backUpDump(session, options.source, writer, log);
        database = dumped.database;
        await copyStoredFiles(writer, options.filesDirectory, dumped.digests);
      }
      await session`select pg_advisory_unlock(${blobRemovalGate.classKey}, ${blobRemovalGate.key})`;
      const hasSecrets = Boolean(options.secretsFile && fs.existsSync(options.secretsFile));
      if (hasSecrets) await writer.add(options.secretsFile!, "secrets.json");
      const manifest: BackupManifest = {
        format: backupFormat,
        formatVersion: backupFormatVersion,
        createdAt,
        finishedAt: new Date().toISOString(),
        granaryVersion: packageJson.version,
        lastMigration: migration,
        database,
        counts,
        files: writer.files,
        hasSecrets,
      };
      writeManifest(target, manifest);
      return manifest;
    } finally {
      // Ends an unfinished online backup, the transaction, the gate and the temporary slot with the session.
      session.release();
    }
  } catch (error) {
    if (created) await fsp.rm(target, { recursive: true, force: true });
    else for (const entry of await fsp.readdir(target).catch(() => [])) await fsp.rm(path.join(target, entry), { recursive: true, force: true });
    throw error;
  } finally {
    await client.end({ timeout: 5 });
  }
}
