/** Copying files into and out of a backup while hashing them, so each file is read once. */
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BackedUpFile } from "./manifest";

/** Told as each stage starts and after each file, for the command line's progress bar; the work waits for it. */
export type ProgressListener = (event: { stage: string; done: number; total: number }) => void | Promise<void>;

export interface CopiedFile {
  size: number;
  sha256: string;
}

/** Copies `source` to `destination` (through a temporary name, then a rename) and says what was copied. */
export async function copyHashed(source: string, destination: string, mode = 0o600): Promise<CopiedFile> {
  await fsp.mkdir(path.dirname(destination), { recursive: true });
  const temporary = `${destination}.partial`;
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(fs.createReadStream(source), meter, fs.createWriteStream(temporary, { mode }));
    await fsp.rename(temporary, destination);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest("hex") };
}

export async function hashFile(file: string): Promise<CopiedFile> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { size, sha256: hash.digest("hex") };
}

/** Relative paths in a manifest use forward slashes whatever the platform. */
export const manifestPath = (...parts: string[]) => parts.join("/").split(path.sep).join("/");

/**
 * Checks every file the manifest lists against its size and hash, before anything is restored: a damaged backup is
 * found while the install is still as it was.
 */
export async function verifyBackupFiles(directory: string, files: BackedUpFile[], onProgress?: ProgressListener): Promise<string[]> {
  const problems: string[] = [];
  let done = 0;
  await onProgress?.({ stage: "Checking the backup's files", done, total: files.length });
  for (const entry of files) {
    const file = path.join(directory, ...entry.path.split("/"));
    const found = await hashFile(file).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error)));
    if (!found) problems.push(`${entry.path} is missing`);
    else if (found.size !== entry.size || found.sha256 !== entry.sha256) problems.push(`${entry.path} does not match its hash (damaged or changed)`);
    done += 1;
    await onProgress?.({ stage: "Checking the backup's files", done, total: files.length });
  }
  return problems;
}
