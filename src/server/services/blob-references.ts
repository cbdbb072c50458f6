/** Stored bytes are shared by every file with the same sha256: they go only when no file refers to them. */
import { count, eq } from "drizzle-orm";
import type { Db } from "../db";
import { packageFiles } from "../db/schema";
import type { BlobStore } from "../storage";

export async function removeBlobIfUnreferenced(db: Db, store: BlobStore, sha256: string): Promise<void> {
  const [row] = await db.select({ value: count() }).from(packageFiles).where(eq(packageFiles.sha256, sha256));
  if ((row?.value ?? 0) === 0) await store.remove(sha256);
}

