import type { Entry, ZipFile } from "yauzl";
import yauzl from "yauzl";
import { AppError } from "../../errors";
import { isSystemError, type FileProblems } from "./problems";

/**
 * yauzl reads the central directory at the end of the file and then only the members asked for, so a
 * 100 MB wheel costs a directory walk plus its METADATA. Every failure from yauzl (no end-of-directory
 * record, bad offsets, a member whose data is shorter or longer than declared) means the upload is
 * truncated or corrupt.
 */

function translate(error: unknown, problems: FileProblems): unknown {
  if (error instanceof AppError) return error;
  if (isSystemError(error)) return error;
  return problems.corrupt(error instanceof Error ? error.message : undefined);
}

export async function withZip<T>(path: string, problems: FileProblems, work: (zip: ZipFile) => Promise<T>): Promise<T> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    throw translate(error, problems);
  }
  // An error emitted with no listener would crash the process; the promises below report it instead.
  zip.on("error", () => {});
  try {
    return await work(zip);
  } finally {
    zip.close();
  }
}

/** Walks the whole central directory, keeping only the entries `keep` wants. */
export async function findEntries(zip: ZipFile, problems: FileProblems, keep: (name: string) => boolean): Promise<Entry[]> {
  const kept: Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (keep(entry.fileName)) kept.push(entry);
    }
  } catch (error) {
    throw translate(error, problems);
  }
  return kept;
}

/** Streams one member's bytes to `consume` until it returns false or the member ends. */
export async function streamEntry(zip: ZipFile, entry: Entry, problems: FileProblems, consume: (chunk: Buffer) => boolean): Promise<void> {
  if (entry.isEncrypted()) throw problems.invalid(`its ${entry.fileName} is encrypted`);
  if (!entry.canDecodeFileData()) throw problems.invalid(`its ${entry.fileName} uses an unsupported compression method (${entry.compressionMethod})`);
  try {
    const stream = await zip.openReadStreamPromise(entry);
    try {
      for await (const chunk of stream) {
        if (!consume(chunk as Buffer)) break;
      }
    } finally {
      stream.destroy();
    }
  } catch (error) {
    throw translate(error, problems);
  }
}

/** Reads one member whole, refusing (by its declared and by its actual size) anything past `limit`. */
export async function readEntry(zip: ZipFile, entry: Entry, problems: FileProblems, limit: number): Promise<Buffer> {
  if (entry.uncompressedSize > limit) throw problems.tooLarge(entry.fileName, limit);
  const chunks: Buffer[] = [];
  let total = 0;
  await streamEntry(zip, entry, problems, (chunk) => {
    total += chunk.length;
    if (total > limit) throw problems.tooLarge(entry.fileName, limit);
    chunks.push(chunk);
    return true;
  });
  return Buffer.concat(chunks);
}
