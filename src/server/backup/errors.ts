/** A backup or restore that cannot go ahead, with the reason in words for the operator; nothing was changed. */
export class BackupError extends Error {
  override readonly name = "BackupError";
}
