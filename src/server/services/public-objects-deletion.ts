/**
 * "Delete all public objects" (seed 003), for a site that stops serving the public: every public package goes,
 * with its files, through the package deletion service (so each is audited and its stored bytes are released as
 * any deletion releases them, see blob-references.ts); private packages stay. It runs as a job with progress, and
 * only while the site is read-only, so nobody publishes or makes a package public while it runs: the job stops
 * if read-only mode is turned off halfway.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { deletePublicObjectsSchema } from "@/shared/schemas/platform-actions";
import { assertCan, userActor, type Actor } from "../authz";
import type { Db } from "../db";
import { jobRuns, packages, users } from "../db/schema";
import { AppError } from "../errors";
import { deletePublicObjectsJob } from "../jobs/definitions/delete-public-objects";
import { enqueue } from "../jobs/enqueue";
import type { BlobStore } from "../storage";
import { toActorUser } from "./account-records";
import { recordAudit } from "./audit";
import { deletePackage } from "./package-changes";
import { isSiteReadOnly } from "./site-mode";

const unfinishedStatuses = ["queued", "running", "retrying"] as const;

export async function countPublicPackages(db: Db): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(packages).where(eq(packages.isPrivate, false));
  return row?.count ?? 0;
}

export interface PublicObjectsDeletionRun {
  runId: string;
  status: string;
  progress: number;
  progressMessage: string | null;
  error: string | null;
  result: unknown;
  queuedAt: Date;
  finishedAt: Date | null;
}

/** The latest deletion's run, as the Actions page's progress bar shows it. */
export async function latestPublicObjectsDeletion(db: Db): Promise<PublicObjectsDeletionRun | null> {
  const [run] = await db.select().from(jobRuns).where(eq(jobRuns.jobName, deletePublicObjectsJob.id)).orderBy(desc(jobRuns.queuedAt)).limit(1);
  if (!run) return null;
  return {
    runId: run.id,
    status: run.status,
    progress: run.progress,
    progressMessage: run.progressMessage,
    error: run.error,
    result: run.result,
    queuedAt: run.queuedAt,
    finishedAt: run.finishedAt,
  };
}

export async function startPublicObjectsDeletion(db: Db, actor: Actor, rawInput: unknown): Promise<{ runId: string; packages: number }> {
  assertCan(actor, "admin:platform:update");
  const parsed = deletePublicObjectsSchema.safeParse(rawInput);
  if (!parsed.success) throw AppError.field("confirmation", parsed.error.issues[0]?.message ?? "Type the confirmation.");
  if (actor.kind !== "user") throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  if (!(await isSiteReadOnly(db))) {
    throw new AppError("PRECONDITION_FAILED", "Put the site in read-only mode first: public objects are deleted only while nobody can publish or change packages.");
  }
  return db.transaction(async (tx) => {
    // One deletion at a time: the lock orders two administrators' clicks, and the second sees the first's run.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${deletePublicObjectsJob.id}))`);
    const [running] = await tx
      .select({ id: jobRuns.id })
      .from(jobRuns)
      .where(and(eq(jobRuns.jobName, deletePublicObjectsJob.id), inArray(jobRuns.status, [...unfinishedStatuses])))
      .limit(1);
    if (running) throw new AppError("CONFLICT", "Public objects are being deleted already: follow that run's progress below.");
    const count = await countPublicPackages(tx);
    const { runId } = await enqueue(
      tx,
      deletePublicObjectsJob,
      { requestedByUserId: actor.user.id },
      { startedBy: { kind: "user", userId: actor.user.id, label: actor.user.username } },
    );
    await recordAudit(tx, actor, { action: "admin.public_objects_deletion_started", target: { type: "job_run", id: runId }, details: { publicPackages: count } });
    return { runId, packages: count };
  });
}

export interface DeletionProgress {
  (deleted: number, total: number): void;
}

const batchSize = 50;

/** The job's body: deletes public packages batch by batch, as the administrator who asked for it. */
export async function deletePublicObjects(
  db: Db,
  store: BlobStore,
  input: { requestedByUserId: string },
  options: { onProgress?: DeletionProgress; signal?: AbortSignal } = {},
): Promise<{ packages: number; files: number; stoppedBecause?: string }> {
  const [user] = await db.select().from(users).where(eq(users.id, input.requestedByUserId));
  if (!user || !user.isActive || !user.isSiteAdmin) throw new AppError("FORBIDDEN", "The administrator who asked for this deletion is no longer an active site administrator.");
  const actor = userActor(toActorUser(user));
  const total = await countPublicPackages(db);
  let deleted = 0;
  let files = 0;
  options.onProgress?.(0, total);
  let stoppedBecause: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    // Turning read-only off is how an administrator stops it: an ending, not a failure to retry, which would go on
    // deleting should the site become read-only again.
    if (!(await isSiteReadOnly(db))) {
      stoppedBecause = "Read-only mode was turned off, so the deletion stopped; the public packages left stay.";
      break;
    }
    const batch = await db
      .select({
        name: packages.name,
        owner: users.username,
        files: sql<number>`(select count(*)::int from package_files where package_files.package_id = ${packages.id})`,
      })
      .from(packages)
      .innerJoin(users, eq(users.id, packages.ownerId))
      .where(eq(packages.isPrivate, false))
      .orderBy(packages.id)
      .limit(batchSize);
    if (batch.length === 0) break;
    for (const pkg of batch) {
      await deletePackage(db, actor, { owner: pkg.owner, name: pkg.name, confirmation: pkg.name }, store);
      deleted += 1;
      files += pkg.files;
      options.onProgress?.(deleted, Math.max(total, deleted));
    }
  }
  await recordAudit(db, actor, {
    action: "admin.public_objects_deletion_finished",
    target: { type: "site" },
    details: { packages: deleted, files, ...(stoppedBecause ? { stopped: stoppedBecause } : {}) },
  });
  return { packages: deleted, files, ...(stoppedBecause ? { stoppedBecause } : {}) };
}
