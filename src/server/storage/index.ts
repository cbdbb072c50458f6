import path from "node:path";
import { env, filesDirectory } from "@/env";
import { BlobStore } from "./blob-store";

export { BlobStore, formatBytes, type ReceivedBlob } from "./blob-store";
export { asStorageFullError, clearStorageAlarm, currentStorageAlarm, fullStorageOf, StorageFullError, type FullStorage, type StorageAlarm } from "./storage-full";

let store: BlobStore | undefined;

/** The server's file store, under FILES_DIR. */
export function getBlobStore(): BlobStore {
  store ??= new BlobStore(path.resolve(filesDirectory()));
  return store;
}

export function maxUploadBytes(): number {
  return env.MAX_UPLOAD_BYTES;
}
