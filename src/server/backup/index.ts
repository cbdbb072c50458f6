export { createBackup, type BackupOptions, type BackupSource } from "./backup";
export { BackupError } from "./errors";
export type { ProgressListener } from "./files";
export { readManifest, type BackupManifest } from "./manifest";
export { restoreBackup, type RestoreOptions, type RestoreResult, type RestoreTarget } from "./restore";
