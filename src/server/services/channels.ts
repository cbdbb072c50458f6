/**
 * The reads behind the package protocols (conda channels, PyPI simple indexes, file downloads). Each function is
 * one query shaped for one index, so the protocol handler can rebuild an index in a single round trip when the
 * owner's channel revision moves. What the actor may see is the policy module's visiblePackages condition, inside
 * each query; the handler caches an index per packageAudience, which names the same set of packages.
 */
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { visiblePackages, type Actor } from "../authz";
import type { Db } from "../db";
import { channelRevisions, fileLabels, packageFiles, packages, users, yankedReleases, type FileType } from "../db/schema";

/** An owner as the protocols see it: who, and how far its content has moved. */
export interface Channel {
  ownerId: string;
  username: string;
  /** channel_revisions.revision, 0 before the first change. */
  revision: number;
  /** When the revision last moved (the owner's creation before that): the indexes' Last-Modified. */
  changedAt: Date;
}

/**
 * Finds an active owner by name (case-insensitive, through the lower(username) index) together with its channel
 * revision, in one query: this runs on every protocol request.
 */
export async function findChannel(db: Db, ownerName: string): Promise<Channel | null> {
  const [row] = await db
    .select({
      ownerId: users.id,
      username: users.username,
      revision: sql<number | bigint | string>`coalesce(${channelRevisions.revision}, 0)`,
      changedAt: sql<Date>`coalesce(${channelRevisions.updatedAt}, ${users.createdAt})`.mapWith(channelRevisions.updatedAt),
    })
    .from(users)
    .leftJoin(channelRevisions, eq(channelRevisions.ownerId, users.id))
    .where(and(sql`lower(${users.username}) = ${ownerName.toLowerCase()}`, eq(users.isActive, true)));
  if (!row) return null;
  return { ...row, revision: Number(row.revision) };
}

/** One owner's index under one label, as one actor sees it. */
export interface ChannelScope {
  actor: Actor;
  ownerId: string;
  label: string;
}

function carriesLabel(label: string): SQL {
  // drizzle's exists() does not parenthesize a raw subquery, so the SQL is written whole.
  return sql`exists (select 1 from ${fileLabels} where ${fileLabels.fileId} = ${packageFiles.id} and ${fileLabels.label} = ${label})`;
}

function scopeCondition(scope: ChannelScope, fileTypes: FileType[]): SQL {
  return and(
    eq(packageFiles.ownerId, scope.ownerId),
    inArray(packageFiles.fileType, fileTypes),
    carriesLabel(scope.label),
    visiblePackages(scope.actor),
  )!;
}

export interface CondaRecordRow {
  filename: string;
  /** Public records may be downloaded from the static URL (a CDN or cache in front of Granary). */
  isPrivate: boolean;
  metadata: Record<string, unknown>;
  size: number;
  md5: string;
  sha256: string;
}

/** The conda files of one subdir carrying the label: repodata.json's records. */
export async function listCondaRecords(db: Db, scope: ChannelScope, subdir: string): Promise<CondaRecordRow[]> {
  return db
    .select({
      filename: packageFiles.filename,
      isPrivate: packages.isPrivate,
      metadata: packageFiles.metadata,
      size: packageFiles.size,
      md5: packageFiles.md5,
      sha256: packageFiles.sha256,
    })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(and(scopeCondition(scope, ["conda"]), eq(packageFiles.subdir, subdir)))
    .orderBy(asc(packageFiles.filename));
}

export interface ChanneldataRow {
  name: string;
  subdir: string;
  version: string;
  metadata: Record<string, unknown>;
  summary: string | null;
  description: string | null;
  license: string | null;
  homepage: string | null;
  createdAt: Date;
}

/** Every conda file carrying the label, with its package's descriptive fields: channeldata.json's input. */
export async function listChanneldataRows(db: Db, scope: ChannelScope): Promise<ChanneldataRow[]> {
  return db
    .select({
      name: sql<string>`coalesce(${packageFiles.metadata}->>'name', ${packages.normalizedName})`,
      subdir: packageFiles.subdir,
      version: packageFiles.version,
      metadata: packageFiles.metadata,
      summary: packages.summary,
      description: packages.description,
      license: packages.license,
      homepage: packages.homepage,
      createdAt: packageFiles.createdAt,
    })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(scopeCondition(scope, ["conda"]))
    .orderBy(asc(packages.normalizedName), asc(packageFiles.filename));
}

export interface SimpleProjectRow {
  name: string;
  normalizedName: string;
}

/** Projects with at least one wheel or sdist carrying the label: the PEP 503 root page. */
export async function listSimpleProjects(db: Db, scope: ChannelScope): Promise<SimpleProjectRow[]> {
  return db
    .selectDistinct({ name: packages.name, normalizedName: packages.normalizedName })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(scopeCondition(scope, ["wheel", "sdist"]))
    .orderBy(asc(packages.normalizedName));
}

export interface SimpleFileRow {
  filename: string;
  version: string;
  size: number;
  sha256: string;
  requiresPython: string | null;
  coreMetadataSha256: string | null;
  createdAt: Date;
  /** PEP 592: null unless the file's release is yanked, then the reason ("" when none was given). */
  yankedReason: string | null;
}

export interface SimpleProject {
  name: string;
  normalizedName: string;
  /** A public project's files may be linked at the static URL (a CDN or cache in front of Granary). */
  isPrivate: boolean;
  files: SimpleFileRow[];
}

/**
 * One project's wheels and sdists carrying the label, when the actor may see it. Null when there are none to
 * see: a private project the actor may not see answers exactly as a missing one does.
 */
export async function getSimpleProject(db: Db, scope: ChannelScope, normalizedName: string): Promise<SimpleProject | null> {
  const rows = await db
    .select({
      name: packages.name,
      normalizedName: packages.normalizedName,
      isPrivate: packages.isPrivate,
      filename: packageFiles.filename,
      version: packageFiles.version,
      size: packageFiles.size,
      sha256: packageFiles.sha256,
      requiresPython: packageFiles.requiresPython,
      coreMetadataSha256: packageFiles.coreMetadataSha256,
      createdAt: packageFiles.createdAt,
      yankedReason: yankedReleases.reason,
    })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .leftJoin(yankedReleases, and(eq(yankedReleases.packageId, packageFiles.packageId), eq(yankedReleases.version, packageFiles.version)))
    .where(and(scopeCondition(scope, ["wheel", "sdist"]), eq(packages.normalizedName, normalizedName)))
    .orderBy(asc(packageFiles.filename));
  const [first] = rows;
  if (!first) return null;
  return {
    name: first.name,
    normalizedName: first.normalizedName,
    isPrivate: first.isPrivate,
    files: rows.map(({ filename, version, size, sha256, requiresPython, coreMetadataSha256, createdAt, yankedReason }) => ({
      filename,
      version,
      size,
      sha256,
      requiresPython,
      coreMetadataSha256,
      createdAt,
      yankedReason,
    })),
  };
}

/**
 * The owner's private packages the actor reaches through organizations, groups and collaborations (its own and a
 * site administrator's reach need no query: knownAudience). The protocol handler keeps the answer for one channel
 * revision: every change of membership, group or collaborator moves the owner's revision.
 */
export async function listGrantedPrivatePackages(db: Db, actor: Actor, ownerId: string): Promise<string[]> {
  const rows = await db
    .select({ id: packages.id })
    .from(packages)
    .where(and(eq(packages.ownerId, ownerId), eq(packages.isPrivate, true), visiblePackages(actor)));
  return rows.map((row) => row.id);
}

/** What serving a file needs, and what the policy needs to decide who may have it. */
export interface DownloadableFile {
  id: string;
  packageId: string;
  ownerId: string;
  isPrivate: boolean;
  fileType: FileType;
  filename: string;
  size: number;
  sha256: string;
  createdAt: Date;
  coreMetadata: string | null;
  coreMetadataSha256: string | null;
}

/** A file by its place in the owner's indexes; with a label, only when the file carries it. */
export async function findDownloadableFile(
  db: Db,
  where: { ownerId: string; subdir: string; filename: string; label?: string },
): Promise<DownloadableFile | null> {
  const [row] = await db
    .select({
      id: packageFiles.id,
      packageId: packageFiles.packageId,
      ownerId: packageFiles.ownerId,
      isPrivate: packages.isPrivate,
      fileType: packageFiles.fileType,
      filename: packageFiles.filename,
      size: packageFiles.size,
      sha256: packageFiles.sha256,
      createdAt: packageFiles.createdAt,
      coreMetadata: packageFiles.coreMetadata,
      coreMetadataSha256: packageFiles.coreMetadataSha256,
    })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(
      and(
        eq(packageFiles.ownerId, where.ownerId),
        eq(packageFiles.subdir, where.subdir),
        eq(packageFiles.filename, where.filename),
        where.label === undefined ? undefined : carriesLabel(where.label),
      ),
    );
  return row ?? null;
}
