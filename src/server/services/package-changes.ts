/**
 * Changing packages: labels, privacy, stars, yanked releases and deletion. Each change loads what it changes through the policy
 * (NOT_FOUND for what the actor may not see, FORBIDDEN for what it sees but may not change), moves the owner's
 * channel revision and writes its audit event in the same transaction, and once that has committed makes this
 * process's protocol handler forget the owner's remembered revision, so its very next request sees the change.
 */
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { deletePackageSchema, fileLabelSchema, fileRefSchema, moveLabelSchema, packageRefSchema, setPrivacySchema, setReleaseYankedSchema } from "@/shared/schemas/packages";
import { assertCan, assertPackageAction, requireUser, visiblePackages, type Actor } from "../authz";
import type { Db } from "../db";
import { fileLabels, packageFiles, packages, packageStars, users, yankedReleases } from "../db/schema";
import { AppError } from "../errors";
import type { BlobStore } from "../storage";
import { recordAudit } from "./audit";
import { releaseBlobs } from "./blob-references";
import { bumpChannelRevision, forgetCachedChannel } from "./owners";
import { loadVisiblePackage } from "./packages";
import { assertWithinPlan } from "./plans";

/** A file the actor may see, checked for `action` on its package (labels take Read-Write, deletion Administration). */
async function loadManagedFile(db: Db, actor: Actor, fileId: string, action: "label" | "delete" = "label") {
  const [row] = await db
    .select({ file: packageFiles, pkg: packages, owner: users.username })
    .from(packageFiles)
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .innerJoin(users, eq(users.id, packageFiles.ownerId))
    .where(and(eq(packageFiles.id, fileId), visiblePackages(actor)));
  if (!row) throw new AppError("NOT_FOUND", "This file does not exist.");
  assertCan(actor, action === "label" ? "package:update" : "package:delete");
  await assertPackageAction(db, actor, row.pkg.id, action, "file");
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
  forgetCachedChannel(file.ownerId);
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
  forgetCachedChannel(file.ownerId);
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
  forgetCachedChannel(file.ownerId);
}

export async function setPrivacy(db: Db, actor: Actor, rawInput: z.input<typeof setPrivacySchema>) {
  const input = setPrivacySchema.parse(rawInput);
  assertCan(actor, "package:update");
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "changePrivacy");
  await db.transaction(async (tx) => {
    if (input.isPrivate && !pkg.isPrivate) await assertWithinPlan(tx, owner.id, { addPrivatePackages: 1 });
    await tx.update(packages).set({ isPrivate: input.isPrivate, updatedAt: new Date() }).where(eq(packages.id, pkg.id));
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "package.privacy_changed",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      subjectUserId: owner.id,
      details: { isPrivate: input.isPrivate },
    });
  });
  forgetCachedChannel(owner.id);
}

/**
 * Yanks a release (PEP 592) or takes the yank back. Its files stay, and stay downloadable: the simple index marks
 * them so installers pass over the release unless it is pinned exactly. Yanking a yanked release again changes
 * only its reason.
 */
export async function setReleaseYanked(db: Db, actor: Actor, rawInput: z.input<typeof setReleaseYankedSchema>) {
  const input = setReleaseYankedSchema.parse(rawInput);
  assertCan(actor, "package:delete");
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "yank");
  const [release] = await db
    .select({ version: packageFiles.version })
    .from(packageFiles)
    .where(and(eq(packageFiles.packageId, pkg.id), eq(packageFiles.version, input.version)))
    .limit(1);
  if (!release) throw AppError.field("version", `${pkg.name} has no version ${input.version}.`, "NOT_FOUND");
  const reason = input.yanked ? (input.reason ?? "") : "";
  await db.transaction(async (tx) => {
    const changed = input.yanked
      ? await tx
          .insert(yankedReleases)
          .values({ packageId: pkg.id, version: release.version, reason, yankedById: actor.kind === "user" ? actor.user.id : null })
          .onConflictDoUpdate({ target: [yankedReleases.packageId, yankedReleases.version], set: { reason } })
          .returning({ version: yankedReleases.version })
      : await tx
          .delete(yankedReleases)
          .where(and(eq(yankedReleases.packageId, pkg.id), eq(yankedReleases.version, release.version)))
          .returning({ version: yankedReleases.version });
    if (changed.length === 0) throw AppError.field("version", `${pkg.name} ${release.version} is not yanked.`, "CONFLICT");
    await tx.update(packages).set({ updatedAt: new Date() }).where(eq(packages.id, pkg.id));
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: input.yanked ? "package.release_yanked" : "package.release_unyanked",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      subjectUserId: owner.id,
      details: input.yanked ? { version: release.version, reason } : { version: release.version },
    });
  });
  forgetCachedChannel(owner.id);
}

export async function deleteFile(db: Db, actor: Actor, rawInput: z.input<typeof fileRefSchema>, store: BlobStore) {
  const input = fileRefSchema.parse(rawInput);
  const { file, owner } = await loadManagedFile(db, actor, input.fileId, "delete");
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
  forgetCachedChannel(file.ownerId);
  await releaseBlobs(db, store, [file.sha256]);
}

export async function deletePackage(db: Db, actor: Actor, rawInput: z.input<typeof deletePackageSchema>, store: BlobStore) {
  const input = deletePackageSchema.parse(rawInput);
  assertCan(actor, "package:delete");
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "delete");
  if (input.confirmation !== pkg.name) throw AppError.field("confirmation", `Type the package name, ${pkg.name}, exactly to confirm.`);
  const digests = await db.transaction(async (tx) => {
    // The package's row before its files, in the order an upload takes them (it upserts the package, then replaces
    // a file): the other order lets a forced replacement and this deletion wait for each other, a deadlock.
    await tx.select({ id: packages.id }).from(packages).where(eq(packages.id, pkg.id)).for("update");
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
  forgetCachedChannel(owner.id);
  await releaseBlobs(db, store, digests);
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

