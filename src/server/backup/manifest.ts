/**
 * A backup folder's manifest.json: what the backup holds (every file with its size and sha256), which Granary and
 * PostgreSQL made it, and the row counts it was taken with. It is written last, so a folder without one is an
 * unfinished backup; a restore checks it, and every file against it, before changing anything.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BackupError } from "./errors";

export const manifestFileName = "manifest.json";
export const backupFormat = "granary-backup";
/** Raised when a change to the layout would make older Granarys misread a backup. */
export const backupFormatVersion = 1;

const backedUpFileSchema = z.object({
  /** Relative to the backup folder, with forward slashes. */
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BackedUpFile = z.infer<typeof backedUpFileSchema>;

const migrationSchema = z.object({ hash: z.string(), createdAt: z.number() }).nullable();

const manifestSchema = z.object({
  format: z.literal(backupFormat),
  formatVersion: z.number().int().positive(),
  createdAt: z.string(),
  finishedAt: z.string(),
  granaryVersion: z.string(),
  /** The newest migration applied to the database backed up: a restore refuses one newer than it knows. */
  lastMigration: migrationSchema,
  database: z.discriminatedUnion("kind", [
    z.object({
      /** The embedded PostgreSQL's whole cluster, copied under PostgreSQL's online backup (pg_backup_start/stop). */
      kind: z.literal("cluster"),
      folder: z.literal("database/cluster"),
      postgresVersion: z.string(),
      /** Every folder of the cluster, so that empty ones PostgreSQL expects come back too. */
      directories: z.array(z.string()),
    }),
    z.object({
      /** An external PostgreSQL's granary database, as pg_dump's custom format. */
      kind: z.literal("dump"),
      file: z.literal("database/granary.dump"),
      postgresVersion: z.string(),
      pgDumpVersion: z.string(),
    }),
  ]),
  /** Rows per table when the backup began: what the operator can expect back. */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /** Stored files (under files/) and the database's files, each with its hash. */
  files: z.array(backedUpFileSchema),
  /** Whether secrets.json (the data folder's generated secrets) is in the backup. */
  hasSecrets: z.boolean(),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export function writeManifest(directory: string, manifest: BackupManifest): void {
  fs.writeFileSync(path.join(directory, manifestFileName), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

/** Reads and checks a backup folder's manifest; every way it can be wrong is a BackupError saying which. */
export function readManifest(directory: string): BackupManifest {
  if (!fs.existsSync(directory)) throw new BackupError(`There is no backup at ${directory}: the folder does not exist.`);
  if (!fs.statSync(directory).isDirectory()) throw new BackupError(`${directory} is not a folder: give the folder a backup was written to.`);
  const file = path.join(directory, manifestFileName);
  if (!fs.existsSync(file)) {
    throw new BackupError(`${directory} has no ${manifestFileName}: it is not a Granary backup, or the backup did not finish.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new BackupError(`${file} is damaged: it is not valid JSON (${(error as Error).message}).`);
  }
  const format = (parsed as { format?: unknown; formatVersion?: unknown } | null) ?? {};
  if (format.format !== backupFormat) throw new BackupError(`${file} is not a Granary backup's manifest.`);
  if (typeof format.formatVersion === "number" && format.formatVersion > backupFormatVersion) {
    throw new BackupError(
      `The backup in ${directory} has format ${format.formatVersion}, newer than the ${backupFormatVersion} this Granary reads: restore it with the Granary version that made it or a newer one.`,
    );
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BackupError(`${file} is damaged: ${issue ? `${issue.path.join(".") || "(top)"}: ${issue.message}` : "it does not match the manifest's shape"}.`);
  }
  const manifest = result.data;
  for (const entry of manifest.files) {
    // Paths come from a file anyone could edit: none may lead outside the backup folder.
    if (path.isAbsolute(entry.path) || entry.path.split("/").includes("..")) throw new BackupError(`${file} is damaged: it lists a file outside the backup (${entry.path}).`);
  }
  return manifest;
}
