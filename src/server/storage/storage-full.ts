/**
 * Running out of space. When the files folder (ENOSPC, or EDQUOT for a quota) or the database (SQLSTATE 53100)
 * is full, an upload fails with StorageFullError: 507 Insufficient Storage and a message for the person uploading,
 * with nothing of it kept. Administrators hear of it once per episode, not once per refused upload: one exception
 * when storage first turns out full, and a banner on the admin pages until an upload succeeds again or a look at
 * the free space shows that some was freed.
 *
 * The alarm lives in the process, on globalThis: the launcher's protocol handler raises it and Next's pages,
 * bundled separately but running in the same process, read it. Nothing is written to the database for it, which
 * may be the storage that is full.
 */
import fsp from "node:fs/promises";
import { isDatabaseFull } from "../db/errors";
import { AppError } from "../errors";

export type FullStorage = "files" | "database";

const messages: Record<FullStorage, string> = {
  files: "Granary's file storage is full, so the upload was not stored. Tell the site administrator; try again once space has been freed.",
  database: "Granary's database is out of disk space, so nothing was saved. Tell the site administrator; try again once space has been freed.",
};

export class StorageFullError extends AppError {
  constructor(
    readonly storage: FullStorage,
    options: { cause?: unknown } = {},
  ) {
    super("INSUFFICIENT_STORAGE", messages[storage]);
    this.name = "StorageFullError";
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

const fileSystemFullCodes = new Set(["ENOSPC", "EDQUOT"]);

/** Which storage an error says is full, looking through its causes, or null when it says nothing of the kind. */
export function fullStorageOf(error: unknown): FullStorage | null {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    if (current instanceof StorageFullError) return current.storage;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && fileSystemFullCodes.has(code)) return "files";
  }
  return isDatabaseFull(error) ? "database" : null;
}

/** The error itself when it is a StorageFullError, one made from it when it says storage is full, else null. */
export function asStorageFullError(error: unknown): StorageFullError | null {
  if (error instanceof StorageFullError) return error;
  const storage = fullStorageOf(error);
  return storage ? new StorageFullError(storage, { cause: error }) : null;
}

export interface StorageAlarm {
  storage: FullStorage;
  since: Date;
  message: string;
}

interface AlarmState {
  alarm: StorageAlarm | null;
  /** The folder on the full filesystem and its free bytes when it filled, for the look at free space. */
  folder: string | null;
  freeBytesWhenFull: number | null;
  lastLookAt: number;
}

const stateKey = Symbol.for("granary.storage-full-alarm");

function alarmState(): AlarmState {
  const holder = globalThis as { [stateKey]?: AlarmState };
  holder[stateKey] ??= { alarm: null, folder: null, freeBytesWhenFull: null, lastLookAt: 0 };
  return holder[stateKey];
}

/** Space freed since the disk filled that makes the banner go away: enough for uploads to be worth trying again. */
const freedBytesThatClearTheAlarm = 1024 * 1024;
const lookAtFreeSpaceEveryMilliseconds = 10_000;

async function freeBytes(folder: string): Promise<number | null> {
  try {
    const stats = await fsp.statfs(folder);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/**
 * Raises the alarm; true only for the report that raised it (the caller then records the one exception). `folder`
 * is a folder on the full filesystem, when known, whose free space is looked at later.
 */
export async function raiseStorageAlarm(error: StorageFullError, folder: string | null): Promise<boolean> {
  const state = alarmState();
  if (state.alarm?.storage === error.storage) return false;
  state.alarm = { storage: error.storage, since: new Date(), message: error.message };
  state.folder = folder;
  state.freeBytesWhenFull = folder ? await freeBytes(folder) : null;
  state.lastLookAt = Date.now();
  return true;
}

/** An upload was stored: whatever was full has room again. */
export function clearStorageAlarm(): void {
  const state = alarmState();
  state.alarm = null;
  state.folder = null;
  state.freeBytesWhenFull = null;
}

/**
 * The alarm, if storage is (still) full. Every few seconds at most, the full filesystem's free space is looked at,
 * and once a megabyte or more has been freed since it filled the alarm is cleared without waiting for an upload.
 */
export async function currentStorageAlarm(now = Date.now()): Promise<StorageAlarm | null> {
  const state = alarmState();
  if (!state.alarm) return null;
  if (state.folder && state.freeBytesWhenFull !== null && now - state.lastLookAt >= lookAtFreeSpaceEveryMilliseconds) {
    state.lastLookAt = now;
    const free = await freeBytes(state.folder);
    if (free !== null && free >= state.freeBytesWhenFull + freedBytesThatClearTheAlarm) clearStorageAlarm();
  }
  return state.alarm;
}
