/**
 * Publishing a received upload: the file is parsed and checked, then its rows, its labels, the channel revision,
 * the audit event and the bytes' move into storage happen together or not at all.
 */
import { and, eq, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { isReservedPackageName } from "@/shared/reserved-names";
import { defaultLabel, labelSchema, normalizePackageName } from "@/shared/schemas/packages";
import { assertCanUpload, assertPackageAction, atLeast, channelAccessLevel, mayPublishUnder, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { fileLabels, packageFiles, packages } from "../db/schema";
import { AppError } from "../errors";
import { fileTypeOfName, parseDistribution } from "../packages/formats";
import { asStorageFullError, clearStorageAlarm, type BlobStore, type ReceivedBlob } from "../storage";
import { recordAudit } from "./audit";
import { lockBlob, releaseBlobs } from "./blob-references";
import { bumpChannelRevision, forgetCachedChannel, requireVisibleOwner, type Owner } from "./owners";
import { defaultPackageAccess } from "./general-settings";
import { assertWithinPlan, type PlannedChange } from "./plans";

const packageNamePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const filenamePattern = /^[A-Za-z0-9][A-Za-z0-9._+!-]*$/;

export class ChecksumMismatchError extends AppError {
  constructor(filename: string, expected: string, actual: string) {
    super("BAD_REQUEST", `The sha256 of ${filename} is ${actual}, not the ${expected} the client announced: the upload was damaged.`);
  }
}

export interface PublishInput {
  ownerName: string;
  filename: string;
  blob: ReceivedBlob;
  /** The client's announced sha256, checked against the received bytes. */
  expectedSha256?: string;
  labels?: string[];
  /**
   * Makes the package private (true) or, for a new package, public (false); left out, a new package gets the
   * site's default access and an existing one keeps its own.
   */
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

/**
 * Publishes a received upload. Either everything happens (file moved into storage, rows written, indexes
 * invalidated) or nothing does: every failure removes the received bytes and writes no row. The kind of file
 * decides the permission needed (uploadPermissions in the policy module), whatever route brought it.
 */
export async function publishFile(db: Db, actor: Actor, input: PublishInput, store: BlobStore): Promise<PublishedFile> {
  let committedPath: string | null = null;
  try {
    // The parser reads the file as the kind its name announces, so the name decides before any byte is parsed.
    assertCanUpload(actor, fileTypeOfName(input.filename));
    const { user } = requireUser(actor);
    const owner = await requireVisibleOwner(db, actor, input.ownerName);
    if (!(await mayPublishUnder(db, actor, owner.id))) throw new AppError("FORBIDDEN", `You cannot publish under ${owner.username}.`);
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
      throw new AppError("UNPROCESSABLE_CONTENT", `${parsed.name} is reserved by the package protocols and the site's own pages; rename the package.`);
    }
    const version = parsed.version ?? input.version ?? timestampVersion();
    const normalizedName = normalizePackageName(parsed.name);
    const existing = await assertMayPublishPackage(db, actor, owner, normalizedName, input);
    // A new package follows the site's default access (Admin → General) unless the upload chose; an existing one
    // keeps its own, and only an explicit "make private" hides it.
    const makePrivate = existing ? Boolean(input.makePrivate) : (input.makePrivate ?? (await defaultPackageAccess(db)) === "private");

    const published = await db.transaction(async (tx) => {
      // The plan's limits first, with the owner's row locked: uploads to one owner are checked one after the other.
      await assertWithinPlan(tx, owner.id, await plannedChange(tx, owner.id, parsed.subdir, { ...input, makePrivate }, existing));
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
          isPrivate: makePrivate,
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
      // The bytes go into place last, inside the transaction and under the digest's lock, held until the row has
      // committed: nobody can decide the bytes are unreferenced in between (blob-references.ts).
      await lockBlob(tx, input.blob.sha256);
      committedPath = await store.commit(input.blob);
      return { fileId: file!.id, packageId, name: parsed.name, subdir: parsed.subdir, replacedSha256: clash?.sha256 ?? null };
    });
    forgetCachedChannel(owner.id);
    // Bytes and rows were both written: whatever storage was full has room again.
    clearStorageAlarm();
    const { replacedSha256, ...placed } = published;
    // A forced replacement may have removed the last reference to the old bytes.
    if (replacedSha256 && replacedSha256 !== input.blob.sha256) await releaseBlobs(db, store, [replacedSha256]);
    return {
      ...placed,
      owner: owner.username,
      version,
      filename: input.filename,
      sha256: input.blob.sha256,
      size: input.blob.size,
      labels,
    };
  } catch (error) {
    await store.discard(input.blob);
    // Bytes placed by a transaction that did not commit may be referenced by nothing.
    if (committedPath) await releaseBlobs(db, store, [input.blob.sha256]);
    if (uniqueViolationConstraint(error) === "package_files_owner_subdir_filename_unique") {
      throw new AppError("CONFLICT", `${input.filename} already exists.`);
    }
    // A full files folder or database is nobody's mistake and no bug: the uploader is told, with 507.
    throw asStorageFullError(error) ?? error;
  }
}

/**
 * Who may publish what: a new file of an existing package needs Read-Write on it (replacing a file, and hiding a
 * public package, need Administration); a new package needs Read-Write over the owner's whole channel.
 */
async function assertMayPublishPackage(db: Db, actor: Actor, owner: Owner, normalizedName: string, input: PublishInput) {
  const [existing] = await db
    .select({ id: packages.id, isPrivate: packages.isPrivate })
    .from(packages)
    .where(and(eq(packages.ownerId, owner.id), eq(packages.normalizedName, normalizedName)));
  if (existing) {
    await assertPackageAction(db, actor, existing.id, "upload");
    if (input.makePrivate && !existing.isPrivate) await assertPackageAction(db, actor, existing.id, "changePrivacy");
    if (input.replaceExisting) await assertPackageAction(db, actor, existing.id, "delete");
    return existing;
  }
  if (!atLeast(await channelAccessLevel(db, actor, owner.id), "write")) {
    throw new AppError(
      "FORBIDDEN",
      `Creating a new package under ${owner.username} needs Read-Write access to all of ${owner.username}'s packages; you may only add files to packages you were given.`,
    );
  }
  return null;
}

/** What the upload adds against the owner's plan: its bytes (less a file it replaces), and a package made private. */
async function plannedChange(tx: Db, ownerId: string, subdir: string, input: PublishInput, existing: { isPrivate: boolean } | null): Promise<PlannedChange> {
  const [replaced] = input.replaceExisting
    ? await tx
        .select({ size: packageFiles.size })
        .from(packageFiles)
        .where(and(eq(packageFiles.ownerId, ownerId), eq(packageFiles.subdir, subdir), eq(packageFiles.filename, input.filename)))
    : [];
  const becomesPrivate = Boolean(input.makePrivate) && !(existing?.isPrivate ?? false);
  return { addBytes: input.blob.size - (replaced?.size ?? 0), addPrivatePackages: becomesPrivate ? 1 : 0 };
}

async function sha256Of(text: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(text, "utf8").digest("hex");
}

