/**
 * Packages and their files: publishing, browsing, labels, privacy, stars and deletion. Visibility is decided
 * by the policy module and applied inside each query, so nothing private is fetched for someone who may not
 * see it.
 */
import { and, count, desc, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import {
  dashboardViewSchema,
  deletePackageSchema,
  fileLabelSchema,
  fileRefSchema,
  labelSchema,
  listOwnerPackagesSchema,
  moveLabelSchema,
  packageRefSchema,
  searchPackagesSchema,
  setPrivacySchema,
  type PackageKind,
} from "@/shared/schemas/packages";
import { isReservedPackageName } from "@/shared/reserved-names";
import { assertCan, assertCanManage, canManageOwner, canSeeOwnedResource, canSeeOwner, requireUser, restrictedOwnerOf, type Actor, type Permission } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { channelRevisions, fileLabels, packageFiles, packages, packageStars, users, type FileType } from "../db/schema";
import { AppError } from "../errors";
import { parseDistribution } from "../packages/formats";
import type { BlobStore, ReceivedBlob } from "../storage";
import { recordAudit } from "./audit";

export const defaultLabel = "main";

/** PEP 503: runs of -, _ and . are one -, compared lower-cased. conda names are already lower-case. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

const packageNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const filenamePattern = /^[A-Za-z0-9][A-Za-z0-9._+!-]*$/;

const kindFileTypes: Record<Exclude<PackageKind, "all">, FileType[]> = {
  package: ["conda", "wheel", "sdist"],
  conda: ["conda"],
  pypi: ["wheel", "sdist"],
  notebook: ["notebook"],
  environment: ["environment"],
};

export class ChecksumMismatchError extends AppError {
  constructor(filename: string, expected: string, actual: string) {
    super("BAD_REQUEST", `The sha256 of ${filename} is ${actual}, not the ${expected} the client announced: the upload was damaged.`);
  }
}

// ---------------------------------------------------------------------------------------------- owners

export async function findOwner(db: Db, name: string) {
  const [owner] = await db
    .select({ id: users.id, username: users.username, name: users.name, createdAt: users.createdAt })
    .from(users)
    .where(and(sql`lower(${users.username}) = ${name.toLowerCase()}`, eq(users.isActive, true)));
  return owner ?? null;
}

/** An owner the actor may see: a channel-restricted token sees no other. */
async function requireOwner(db: Db, actor: Actor, name: string) {
  const owner = await findOwner(db, name);
  if (!owner || !canSeeOwner(actor, owner.id)) throw new AppError("NOT_FOUND", `There is no user or channel named ${name}.`);
  return owner;
}

/** Moves the owner's channel revision on, so cached indexes are rebuilt on their next request. */
export async function bumpChannelRevision(db: Db, ownerId: string): Promise<void> {
  await db
    .insert(channelRevisions)
    .values({ ownerId, revision: 1 })
    .onConflictDoUpdate({ target: channelRevisions.ownerId, set: { revision: sql`${channelRevisions.revision} + 1`, updatedAt: new Date() } });
}

export async function getChannelRevision(db: Db, ownerId: string): Promise<number> {
  const [row] = await db.select({ revision: channelRevisions.revision }).from(channelRevisions).where(eq(channelRevisions.ownerId, ownerId));
  return row?.revision ?? 0;
}

/** The SQL condition for packages the actor may see, applied inside queries (the SQL twin of canSeeOwnedResource). */
export function visiblePackages(actor: Actor): SQL | undefined {
  const restrictedTo = restrictedOwnerOf(actor);
  const channel = restrictedTo ? eq(packages.ownerId, restrictedTo) : undefined;
  if (actor.kind === "user" && actor.user.isSiteAdmin) return channel;
  if (actor.kind === "user") return and(channel, or(eq(packages.isPrivate, false), eq(packages.ownerId, actor.user.id)));
  return eq(packages.isPrivate, false);
}

function kindCondition(kind: PackageKind): SQL | undefined {
  if (kind === "all") return undefined;
  return sql`exists (select 1 from ${packageFiles} where ${packageFiles.packageId} = ${packages.id} and ${inArray(packageFiles.fileType, kindFileTypes[kind])})`;
}

// ---------------------------------------------------------------------------------------------- publishing

export interface PublishInput {
  ownerName: string;
  filename: string;
  blob: ReceivedBlob;
  /** The client's announced sha256, checked against the received bytes. */
  expectedSha256?: string;
  labels?: string[];
  /** Makes the package private (new packages are public unless asked). */
  makePrivate?: boolean;
  /** Replace a file of the same name instead of answering 409. */
  replaceExisting?: boolean;
  /** For notebooks and environments, which carry no version of their own. */
  version?: string;
}

export interface PublishedFile {
  fileId: string;
  packageId: string;
  owner: string;
  name: string;
  version: string;
  filename: string;
  subdir: string;
  sha256: string;
  size: number;
  labels: string[];
}

function timestampVersion(now = new Date()): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${now.getUTCFullYear()}.${pad(now.getUTCMonth() + 1)}.${pad(now.getUTCDate())}.${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
}

/** Each way in to publishing has its own permission, so a token's scopes decide which ones it may use. */
export type UploadPermission = Extract<Permission, "conda:upload" | "pypi:upload" | "package:upload">;

/**
 * Publishes a received upload. Either everything happens (file moved into storage, rows written, indexes
 * invalidated) or nothing does: every failure removes the received bytes and writes no row. `permission` is
 * the one of the route the upload came through (conda:upload for the upload API, pypi:upload for twine).
 */
export async function publishFile(db: Db, actor: Actor, input: PublishInput, store: BlobStore, permission: UploadPermission): Promise<PublishedFile> {
  let committedPath: string | null = null;
  try {
    assertCan(actor, permission);
    const { user } = requireUser(actor);
    const owner = await requireOwner(db, actor, input.ownerName);
    if (!canManageOwner(actor, owner.id)) throw new AppError("FORBIDDEN", `You cannot publish under ${owner.username}.`);
    if (input.expectedSha256 && input.expectedSha256.toLowerCase() !== input.blob.sha256) {
      throw new ChecksumMismatchError(input.filename, input.expectedSha256.toLowerCase(), input.blob.sha256);
    }
    if (!filenamePattern.test(input.filename) || input.filename.length > 255) {
      throw new AppError("BAD_REQUEST", `${input.filename} is not an acceptable file name.`);
    }
    if (input.blob.size === 0) throw new AppError("BAD_REQUEST", `${input.filename} is empty.`);
    const labels = [...new Set((input.labels?.length ? input.labels : [defaultLabel]).map((label) => labelSchema.parse(label)))];

    const parsed = await parseDistribution(input.blob.temporaryPath, input.filename);
    if (!packageNamePattern.test(parsed.name) || parsed.name.length > 200) {
      throw new AppError("UNPROCESSABLE_CONTENT", `${parsed.name} is not an acceptable package name.`);
    }
    if (isReservedPackageName(parsed.name)) {
      throw new AppError("UNPROCESSABLE_CONTENT", `${parsed.name} is reserved by the package protocols; rename the package.`);
    }
    const version = parsed.version ?? input.version ?? timestampVersion();
    const normalizedName = normalizePackageName(parsed.name);

    const published = await db.transaction(async (tx) => {
      // One statement creates the package or updates it, so that two files of a new package uploaded at the
      // same moment (a wheel and its sdist, say) meet in the unique index instead of both trying to create it.
      // What this file does not say (a summary, a license) keeps the package's current value.
      const excluded = (column: AnyPgColumn) => sql`excluded.${sql.identifier(column.name)}`;
      const keepUnlessGiven = (column: AnyPgColumn) => sql`coalesce(${excluded(column)}, ${column})`;
      const [upserted] = await tx
        .insert(packages)
        .values({
          ownerId: owner.id,
          name: parsed.name,
          normalizedName,
          isPrivate: input.makePrivate ?? false,
          summary: parsed.summary ?? null,
          description: parsed.description ?? null,
          descriptionContentType: parsed.descriptionContentType ?? null,
          homepage: parsed.homepage ?? null,
          license: parsed.license ?? null,
          latestVersion: version,
          updatedAt: new Date(),
        })
        .onConflictDoUpdate({
          target: [packages.ownerId, packages.normalizedName],
          set: {
            summary: keepUnlessGiven(packages.summary),
            description: keepUnlessGiven(packages.description),
            descriptionContentType: keepUnlessGiven(packages.descriptionContentType),
            homepage: keepUnlessGiven(packages.homepage),
            license: keepUnlessGiven(packages.license),
            latestVersion: excluded(packages.latestVersion),
            updatedAt: excluded(packages.updatedAt),
            // Uploading with "make private" hides a public package; uploading without it never exposes one.
            isPrivate: sql`${packages.isPrivate} or ${excluded(packages.isPrivate)}`,
          },
        })
        .returning({ id: packages.id });
      const packageId = upserted!.id;

      const [clash] = await tx
        .select({ id: packageFiles.id, sha256: packageFiles.sha256 })
        .from(packageFiles)
        .where(and(eq(packageFiles.ownerId, owner.id), eq(packageFiles.subdir, parsed.subdir), eq(packageFiles.filename, input.filename)));
      if (clash) {
        if (!input.replaceExisting) {
          throw new AppError("CONFLICT", `${input.filename} already exists in ${owner.username}/${parsed.subdir}. Delete it first, or upload with --force to replace it.`);
        }
        await tx.delete(packageFiles).where(eq(packageFiles.id, clash.id));
      }

      const [file] = await tx
        .insert(packageFiles)
        .values({
          packageId,
          ownerId: owner.id,
          fileType: parsed.fileType,
          subdir: parsed.subdir,
          filename: input.filename,
          version,
          size: input.blob.size,
          sha256: input.blob.sha256,
          md5: input.blob.md5,
          metadata: parsed.metadata,
          coreMetadata: parsed.coreMetadata,
          coreMetadataSha256: parsed.coreMetadata ? await sha256Of(parsed.coreMetadata) : null,
          requiresPython: parsed.requiresPython,
          uploadedById: user.id,
        })
        .returning({ id: packageFiles.id });
      await tx.insert(fileLabels).values(labels.map((label) => ({ fileId: file!.id, label })));
      await bumpChannelRevision(tx, owner.id);
      await recordAudit(tx, actor, {
        action: "package.file_uploaded",
        target: { type: "package_file", id: file!.id, label: `${owner.username}/${parsed.name}/${input.filename}` },
        subjectUserId: owner.id,
        details: { sha256: input.blob.sha256, size: input.blob.size, labels, replaced: Boolean(clash) },
      });
      // The bytes go into place last, inside the transaction: if this fails, no row is committed.
      committedPath = await store.commit(input.blob);
      return { fileId: file!.id, packageId, name: parsed.name, subdir: parsed.subdir };
    });
    return {
      ...published,
      owner: owner.username,
      version,
      filename: input.filename,
      sha256: input.blob.sha256,
      size: input.blob.size,
      labels,
    };
  } catch (error) {
    await store.discard(input.blob);
    if (committedPath) await removeBlobIfUnreferenced(db, store, input.blob.sha256);
    if (uniqueViolationConstraint(error) === "package_files_owner_subdir_filename_unique") {
      throw new AppError("CONFLICT", `${input.filename} already exists.`);
    }
    throw error;
  }
}

async function sha256Of(text: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(text, "utf8").digest("hex");
}

async function removeBlobIfUnreferenced(db: Db, store: BlobStore, sha256: string): Promise<void> {
  const [row] = await db.select({ value: count() }).from(packageFiles).where(eq(packageFiles.sha256, sha256));
  if ((row?.value ?? 0) === 0) await store.remove(sha256);
}

// ---------------------------------------------------------------------------------------------- reading

const packageSummaryColumns = {
  id: packages.id,
  name: packages.name,
  summary: packages.summary,
  latestVersion: packages.latestVersion,
  isPrivate: packages.isPrivate,
  updatedAt: packages.updatedAt,
  owner: users.username,
  fileTypes: sql<FileType[]>`array(select distinct ${packageFiles.fileType} from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})`,
  downloads: sql<number>`(select coalesce(sum(${packageFiles.downloadCount}), 0)::int from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})`,
  stars: sql<number>`(select count(*)::int from ${packageStars} where ${packageStars.packageId} = ${packages.id})`,
};

async function pagedPackages(db: Db, where: SQL | undefined, page: { page: number; pageSize: number }, orderBy: SQL[] = [desc(packages.updatedAt)]) {
  const [items, [total]] = await Promise.all([
    db
      .select(packageSummaryColumns)
      .from(packages)
      .innerJoin(users, eq(users.id, packages.ownerId))
      .where(where)
      .orderBy(...orderBy, packages.id)
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize),
    db.select({ value: count() }).from(packages).where(where),
  ]);
  return { items, total: total?.value ?? 0, page: page.page, pageSize: page.pageSize };
}

export async function listOwnerPackages(db: Db, actor: Actor, rawInput: z.input<typeof listOwnerPackagesSchema>) {
  assertCan(actor, "package:read");
  const input = listOwnerPackagesSchema.parse(rawInput);
  const owner = await requireOwner(db, actor, input.owner);
  const result = await pagedPackages(db, and(eq(packages.ownerId, owner.id), visiblePackages(actor), kindCondition(input.kind)), input);
  return { owner, ...result };
}

export async function searchPackages(db: Db, actor: Actor, rawInput: z.input<typeof searchPackagesSchema>) {
  assertCan(actor, "package:read");
  const input = searchPackagesSchema.parse(rawInput);
  const terms = input.query.split(/\s+/).filter(Boolean);
  const matches = terms.map((term) => {
    const pattern = `%${term.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    return or(ilike(packages.name, pattern), ilike(packages.summary, pattern));
  });
  const exactFirst = input.query ? [sql`(lower(${packages.name}) = ${input.query.toLowerCase()}) desc`] : [];
  return pagedPackages(db, and(visiblePackages(actor), kindCondition(input.kind), ...matches), input, [...exactFirst, desc(packages.updatedAt)]);
}

/** The signed-in account's own packages, for the dashboard's views. */
export async function listMyPackages(db: Db, actor: Actor, rawInput: z.input<typeof dashboardViewSchema>) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const input = dashboardViewSchema.parse(rawInput);
  return pagedPackages(db, and(eq(packages.ownerId, user.id), visiblePackages(actor), kindCondition(input.kind)), input);
}

export async function listFavorites(db: Db, actor: Actor, rawInput: z.input<typeof dashboardViewSchema>) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const input = dashboardViewSchema.parse(rawInput);
  const starred = sql`exists (select 1 from ${packageStars} where ${packageStars.packageId} = ${packages.id} and ${packageStars.userId} = ${user.id})`;
  return pagedPackages(db, and(starred, visiblePackages(actor), kindCondition(input.kind)), input);
}

async function loadVisiblePackage(db: Db, actor: Actor, ownerName: string, name: string) {
  const owner = await requireOwner(db, actor, ownerName);
  const [row] = await db
    .select()
    .from(packages)
    .where(and(eq(packages.ownerId, owner.id), eq(packages.normalizedName, normalizePackageName(name))));
  if (!row || !canSeeOwnedResource(actor, row)) throw new AppError("NOT_FOUND", `There is no package ${ownerName}/${name}.`);
  return { owner, pkg: row };
}

export async function getPackage(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>) {
  assertCan(actor, "package:read");
  const input = packageRefSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  const files = await db
    .select({
      id: packageFiles.id,
      filename: packageFiles.filename,
      version: packageFiles.version,
      fileType: packageFiles.fileType,
      subdir: packageFiles.subdir,
      size: packageFiles.size,
      sha256: packageFiles.sha256,
      downloadCount: packageFiles.downloadCount,
      createdAt: packageFiles.createdAt,
      labels: sql<string[]>`array(select ${fileLabels.label} from ${fileLabels} where ${fileLabels.fileId} = ${packageFiles.id} order by ${fileLabels.label})`,
    })
    .from(packageFiles)
    .where(eq(packageFiles.packageId, pkg.id))
    .orderBy(desc(packageFiles.createdAt), packageFiles.filename);
  const [stars] = await db.select({ value: count() }).from(packageStars).where(eq(packageStars.packageId, pkg.id));
  const starredByMe =
    actor.kind === "user"
      ? (await db.select().from(packageStars).where(and(eq(packageStars.packageId, pkg.id), eq(packageStars.userId, actor.user.id)))).length > 0
      : false;
  return {
    ...pkg,
    owner: owner.username,
    files,
    stars: stars?.value ?? 0,
    starredByMe,
    canManage: canManageOwner(actor, owner.id),
  };
}

/** Every label in use on the owner's visible files, with how many files carry it. */
export async function listLabels(db: Db, actor: Actor, ownerName: string) {
  assertCan(actor, "package:read");
  const owner = await requireOwner(db, actor, ownerName);
  return db
    .select({ label: fileLabels.label, files: count() })
    .from(fileLabels)
    .innerJoin(packageFiles, eq(packageFiles.id, fileLabels.fileId))
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(and(eq(packageFiles.ownerId, owner.id), visiblePackages(actor)))
    .groupBy(fileLabels.label)
    .orderBy(fileLabels.label);
}

// ---------------------------------------------------------------------------------------------- changing

async function loadManagedFile(db: Db, actor: Actor, fileId: string) {
  const [row] = await db
    .select({ file: packageFiles, pkg: packages, owner: users.username })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .innerJoin(users, eq(users.id, packageFiles.ownerId))
    .where(eq(packageFiles.id, fileId));
  if (!row || !canSeeOwnedResource(actor, row.pkg)) throw new AppError("NOT_FOUND", "This file does not exist.");
  assertCanManage(actor, "package:update", row.pkg, "file");
  return row;
}

export async function addLabel(db: Db, actor: Actor, rawInput: z.input<typeof fileLabelSchema>) {
  const input = fileLabelSchema.parse(rawInput);
  const { file, owner } = await loadManagedFile(db, actor, input.fileId);
  await db.transaction(async (tx) => {
    await tx.insert(fileLabels).values({ fileId: file.id, label: input.label }).onConflictDoNothing();
    await bumpChannelRevision(tx, file.ownerId);
    await recordAudit(tx, actor, {
      action: "package.labels_changed",
      target: { type: "package_file", id: file.id, label: `${owner}/${file.filename}` },
      subjectUserId: file.ownerId,
      details: { added: input.label },
    });
  });
}

export async function removeLabel(db: Db, actor: Actor, rawInput: z.input<typeof fileLabelSchema>) {
  const input = fileLabelSchema.parse(rawInput);
  const { file, owner } = await loadManagedFile(db, actor, input.fileId);
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(fileLabels)
      .where(and(eq(fileLabels.fileId, file.id), eq(fileLabels.label, input.label)))
      .returning();
    if (removed.length === 0) throw AppError.field("label", `${file.filename} has no label ${input.label}.`, "NOT_FOUND");
    await bumpChannelRevision(tx, file.ownerId);
    await recordAudit(tx, actor, {
      action: "package.labels_changed",
      target: { type: "package_file", id: file.id, label: `${owner}/${file.filename}` },
      subjectUserId: file.ownerId,
      details: { removed: input.label },
    });
  });
}

/** Moves a file from one label to another in one step, as conda channel maintainers promote builds. */
export async function moveLabel(db: Db, actor: Actor, rawInput: z.input<typeof moveLabelSchema>) {
  const input = moveLabelSchema.parse(rawInput);
  const { file, owner } = await loadManagedFile(db, actor, input.fileId);
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(fileLabels)
      .where(and(eq(fileLabels.fileId, file.id), eq(fileLabels.label, input.from)))
      .returning();
    if (removed.length === 0) throw AppError.field("from", `${file.filename} has no label ${input.from}.`, "NOT_FOUND");
    await tx.insert(fileLabels).values({ fileId: file.id, label: input.to }).onConflictDoNothing();
    await bumpChannelRevision(tx, file.ownerId);
    await recordAudit(tx, actor, {
      action: "package.labels_changed",
      target: { type: "package_file", id: file.id, label: `${owner}/${file.filename}` },
      subjectUserId: file.ownerId,
      details: { moved: { from: input.from, to: input.to } },
    });
  });
}

export async function setPrivacy(db: Db, actor: Actor, rawInput: z.input<typeof setPrivacySchema>) {
  const input = setPrivacySchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  assertCanManage(actor, "package:update", pkg);
  await db.transaction(async (tx) => {
    await tx.update(packages).set({ isPrivate: input.isPrivate, updatedAt: new Date() }).where(eq(packages.id, pkg.id));
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "package.privacy_changed",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      subjectUserId: owner.id,
      details: { isPrivate: input.isPrivate },
    });
  });
}

export async function deleteFile(db: Db, actor: Actor, rawInput: z.input<typeof fileRefSchema>, store: BlobStore) {
  const input = fileRefSchema.parse(rawInput);
  const { file, owner } = await loadManagedFile(db, actor, input.fileId);
  assertCan(actor, "package:delete");
  await db.transaction(async (tx) => {
    await tx.delete(packageFiles).where(eq(packageFiles.id, file.id));
    await bumpChannelRevision(tx, file.ownerId);
    await recordAudit(tx, actor, {
      action: "package.file_deleted",
      target: { type: "package_file", id: file.id, label: `${owner}/${file.filename}` },
      subjectUserId: file.ownerId,
      details: { sha256: file.sha256 },
    });
  });
  await removeBlobIfUnreferenced(db, store, file.sha256);
}

export async function deletePackage(db: Db, actor: Actor, rawInput: z.input<typeof deletePackageSchema>, store: BlobStore) {
  const input = deletePackageSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  assertCanManage(actor, "package:delete", pkg);
  if (input.confirmation !== pkg.name) throw AppError.field("confirmation", `Type the package name, ${pkg.name}, exactly to confirm.`);
  const digests = await db.transaction(async (tx) => {
    const files = await tx.delete(packageFiles).where(eq(packageFiles.packageId, pkg.id)).returning({ sha256: packageFiles.sha256 });
    await tx.delete(packages).where(eq(packages.id, pkg.id));
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "package.deleted",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      subjectUserId: owner.id,
      details: { files: files.length },
    });
    return files.map((file) => file.sha256);
  });
  for (const sha256 of new Set(digests)) await removeBlobIfUnreferenced(db, store, sha256);
}

export async function setStar(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>, starred: boolean) {
  assertCan(actor, "package:star");
  const { user } = requireUser(actor);
  const input = packageRefSchema.parse(rawInput);
  const { pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  if (starred) {
    await db.insert(packageStars).values({ userId: user.id, packageId: pkg.id }).onConflictDoNothing();
  } else {
    await db.delete(packageStars).where(and(eq(packageStars.userId, user.id), eq(packageStars.packageId, pkg.id)));
  }
}
