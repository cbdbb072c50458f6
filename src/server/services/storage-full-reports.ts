/**
 * Telling administrators that storage is full: the first refused upload of an episode raises the alarm (the
 * banner on the admin pages) and records one exception; the uploads refused after it, until storage has room
 * again, add nothing (storage/storage-full.ts).
 */
import path from "node:path";
import { env } from "@/env";
import type { Db } from "../db";
import type { BlobStore, StorageFullError } from "../storage";
import { raiseStorageAlarm } from "../storage/storage-full";
import { recordException, type ExceptionContext } from "./exceptions";

/** A folder on the filesystem that filled up, whose free space tells later whether room was made. */
function folderOf(error: StorageFullError, store: BlobStore): string | null {
  if (error.storage === "files") return store.root;
  // An external database's disk is not this machine's to look at; the alarm then waits for a successful upload.
  return env.GRANARY_EMBEDDED_DATABASE ? path.resolve(env.DATA_DIR, "postgres") : null;
}

export async function reportStorageFull(db: Db, store: BlobStore, error: StorageFullError, context: ExceptionContext): Promise<void> {
  if (!(await raiseStorageAlarm(error, folderOf(error, store)))) return;
  // With the database full this cannot be stored: recordException says so on the console instead, and the banner,
  // which needs no database, is what administrators see.
  await recordException(db, error, context);
}
