/**
 * Content-addressed file storage. Uploads stream into a temporary file on the same filesystem while their
 * sha256 and md5 are computed, so memory stays flat whatever the size; committing is an atomic rename to
 * `blobs/<aa>/<bb>/<sha256>`. Identical bytes are stored once.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { formatBytes } from "@/shared/format-bytes";
import { AppError } from "../errors";
import { BlobReader } from "./blob-reader";

export interface ReceivedBlob {
  /** Where the bytes wait until committed or discarded. */
  temporaryPath: string;
  sha256: string;
  md5: string;
  size: number;
}

export class BlobStore {
  constructor(readonly root: string) {}

  private get temporaryDirectory() {
    return path.join(this.root, "tmp");
  }

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`Not a sha256 digest: ${sha256}`);
    return path.join(this.root, "blobs", sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /**
   * Streams `source` to a temporary file, hashing as it goes. Past `maxBytes` the upload stops with 413 and
   * the partial file is removed.
   */
  async receive(source: Readable | AsyncIterable<Uint8Array>, maxBytes: number): Promise<ReceivedBlob> {
    await fsp.mkdir(this.temporaryDirectory, { recursive: true });
    const temporaryPath = path.join(this.temporaryDirectory, `${Date.now()}-${randomBytes(8).toString("hex")}.part`);
    const sha256 = createHash("sha256");
    const md5 = createHash("md5");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) {
          callback(new AppError("PAYLOAD_TOO_LARGE", `The file is larger than the ${formatBytes(maxBytes)} this server accepts.`));
          return;
        }
        sha256.update(chunk);
        md5.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, fs.createWriteStream(temporaryPath, { flags: "wx" }));
    } catch (error) {
      await fsp.rm(temporaryPath, { force: true });
      if (error instanceof AppError) throw error;
      throw new AppError("BAD_REQUEST", "The upload was interrupted before the whole file arrived.");
    }
    return { temporaryPath, sha256: sha256.digest("hex"), md5: md5.digest("hex"), size };
  }

  /** Moves a received file into place; when the same bytes are already stored, the copy is dropped. */
  async commit(blob: ReceivedBlob): Promise<string> {
    const destination = this.blobPath(blob.sha256);
    await fsp.mkdir(path.dirname(destination), { recursive: true });
    if (await exists(destination)) {
      await this.discard(blob);
    } else {
      await fsp.rename(blob.temporaryPath, destination);
    }
    return destination;
  }

  async discard(blob: Pick<ReceivedBlob, "temporaryPath">): Promise<void> {
    await fsp.rm(blob.temporaryPath, { force: true });
  }

  async remove(sha256: string): Promise<void> {
    await fsp.rm(this.blobPath(sha256), { force: true });
  }

  async stat(sha256: string): Promise<fs.Stats | null> {
    try {
      return await fsp.stat(this.blobPath(sha256));
    } catch {
      return null;
    }
  }

  /** Opens a stored file for reading out; rejects (ENOENT) when it is missing. */
  openReader(sha256: string): Promise<BlobReader> {
    return BlobReader.open(this.blobPath(sha256));
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

export { formatBytes };
