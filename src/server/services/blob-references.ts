/**
 * Stored bytes are shared by every file with the same sha256, and whether they stay is decided in the database,
 * under a lock on the digest (a transaction-scoped advisory lock):
 * - A publisher takes the lock after writing its row and holds it, inside the same transaction, while it places
 *   the bytes (or finds them already there) and until its row commits.
 * - Whoever may have removed the last reference (a deletion, a forced replacement, a failed upload, the sweep)
 *   takes the lock in a transaction of its own after that change has committed, counts the rows that still refer to
 *   the bytes, and if there are none moves them aside before committing; they are deleted after the commit, and put
 *   back if the commit fails (the lock may have been lost with the connection before they were moved).
 * So a row never refers to bytes that are gone: a publisher that found bytes in place commits its row before anyone
 * can count again, and one that comes after a removal places its own copy. A crash at any point leaves at worst
 * bytes nothing refers to, which removeUnreferencedBlobs sweeps away; never a row without its bytes.
 */
import { count, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db";
import { packageFiles, taskRunObjects } from "../db/schema";
import type { BlobStore } from "../storage";
import { recordException } from "./exceptions";

/**
 * Advisory locks on two int4 keys live apart from those on one bigint (pg-boss takes those), so this class keeps
 * blob locks to themselves. The second key is the digest's first 32 bits: two digests that share them only wait for
 * each other.
 */
const blobLockClass = 0x626c6f62; // "blob"

/**
 * A backup (src/server/backup) holds this lock, on a session of its own, from before it reads the database until it
 * has copied the files: removals take it shared and, while a backup holds it, leave the bytes for the sweep instead of
 * waiting. So every file a row in the backup refers to is still there when the backup copies the files.
 */
export const blobRemovalGate = { classKey: 0x67617465 /* "gate" */, key: 0 } as const;

/**
 * How many rows refer to the bytes: package files, and the results task runs stored (task_run_objects). Both live in
 * the one BlobStore so that identical bytes are kept once and every removal is decided by this one count.
 */
async function referenceCount(tx: Db, sha256: string): Promise<number> {
  const [files] = await tx.select({ value: count() }).from(packageFiles).where(eq(packageFiles.sha256, sha256));
  const [objects] = await tx.select({ value: count() }).from(taskRunObjects).where(eq(taskRunObjects.sha256, sha256));
  return (files?.value ?? 0) + (objects?.value ?? 0);
}

/** The digests of the batch that some row refers to. */
async function referencedDigests(db: Db, digests: string[]): Promise<Set<string>> {
  const files = await db.selectDistinct({ sha256: packageFiles.sha256 }).from(packageFiles).where(inArray(packageFiles.sha256, digests));
  const objects = await db.selectDistinct({ sha256: taskRunObjects.sha256 }).from(taskRunObjects).where(inArray(taskRunObjects.sha256, digests));
  return new Set([...files, ...objects].map((row) => row.sha256));
}

/** Holds the digest's lock until the transaction ends. */
export async function lockBlob(tx: Db, sha256: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${blobLockClass}, ('x' || substr(${sha256}, 1, 8))::bit(32)::int)`);
}

export interface BlobRemovalOptions {
  /** Runs inside the locked transaction once the bytes were moved aside, before it commits: tests make it fail. */
  beforeCommit?: (tx: Db) => Promise<void>;
}

/**
 * Removes the stored bytes when no file refers to them any more. Call it after committing a change that may have
 * removed the last reference, never inside that change's transaction. Resolves whether bytes were removed.
 */
export async function removeBlobIfUnreferenced(db: Db, store: BlobStore, sha256: string, options: BlobRemovalOptions = {}): Promise<boolean> {
  let aside: string | null = null;
  try {
    await db.transaction(async (tx) => {
      const [gate] = await tx.execute<{ open: boolean }>(sql`select pg_try_advisory_xact_lock_shared(${blobRemovalGate.classKey}, ${blobRemovalGate.key}) as open`);
      if (!gate?.open) return;
      await lockBlob(tx, sha256);
      if ((await referenceCount(tx, sha256)) > 0) return;
      aside = await store.setAside(sha256);
      if (aside) await options.beforeCommit?.(tx);
    });
  } catch (error) {
    if (aside) await store.restore(aside, sha256);
    throw error;
  }
  if (!aside) return false;
  await store.dropAside(aside);
  return true;
}

/**
 * After a change has committed: removes whichever of these bytes nothing refers to any more. A failure is recorded
 * rather than thrown, since the change itself is done; the sweep removes such bytes later.
 */
export async function releaseBlobs(db: Db, store: BlobStore, digests: Iterable<string>): Promise<void> {
  for (const sha256 of new Set(digests)) {
    try {
      await removeBlobIfUnreferenced(db, store, sha256);
    } catch (error) {
      await recordException(db, error, { route: `removing the unreferenced blob ${sha256}` });
    }
  }
}

export interface SweepOptions {
  /**
   * Only files untouched for this long are swept (two hours by default): longer than the longest upload request
   * (an hour), so a temporary file still being written is never taken, and bytes placed by anything that does not
   * take the lock have their row committed long before.
   */
  graceMilliseconds?: number;
  /** Told after each batch of stored files checked, for the periodic job's progress bar. */
  onProgress?: (checked: number, total: number) => void;
}

export interface SweepResult {
  /** Stored bytes removed because nothing referred to them. */
  blobs: number;
  /** Stale temporary files and bytes left set aside, removed. */
  temporaryFiles: number;
}

const defaultGraceMilliseconds = 2 * 60 * 60 * 1000;
/** Digests asked about per query. */
const lookupBatch = 500;

/**
 * The periodic sweep: removes stored bytes that no file refers to, temporary files of uploads that never finished,
 * and bytes set aside by a removal that crashed before deleting them (put back instead, should a file still refer to
 * them). Each removal is decided under the digest's lock, exactly as any other.
 */
export async function removeUnreferencedBlobs(db: Db, store: BlobStore, options: SweepOptions = {}): Promise<SweepResult> {
  const olderThan = Date.now() - (options.graceMilliseconds ?? defaultGraceMilliseconds);
  const result: SweepResult = { blobs: 0, temporaryFiles: 0 };

  const candidates = (await store.listBlobs()).filter((blob) => blob.modifiedAt < olderThan).map((blob) => blob.sha256);
  for (let start = 0; start < candidates.length; start += lookupBatch) {
    const batch = candidates.slice(start, start + lookupBatch);
    const referenced = await referencedDigests(db, batch);
    for (const sha256 of batch) {
      if (!referenced.has(sha256) && (await removeBlobIfUnreferenced(db, store, sha256))) result.blobs += 1;
    }
    options.onProgress?.(start + batch.length, candidates.length);
  }

  const leftovers = await store.listLeftovers();
  for (const file of leftovers.temporary) {
    if (file.modifiedAt >= olderThan) continue;
    await store.removeLeftover(file);
    result.temporaryFiles += 1;
  }
  for (const file of leftovers.setAside) {
    if (file.modifiedAt >= olderThan) continue;
    await db.transaction(async (tx) => {
      await lockBlob(tx, file.sha256);
      if ((await referenceCount(tx, file.sha256)) > 0 && !(await store.stat(file.sha256))) await store.restore(file.path, file.sha256);
      else await store.removeLeftover(file);
    });
    result.temporaryFiles += 1;
  }
  return result;
}
