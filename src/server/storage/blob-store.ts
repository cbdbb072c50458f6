/**
 * Content-addressed file storage. Uploads stream into a temporary file on the same filesystem while their
 * sha256 and md5 are computed, so memory stays flat whatever the size; committing is an atomic rename to
 * `blobs/<aa>/<bb>/<sha256>`. Identical bytes are stored once. Whether bytes stay or go is decided in the database
 * (services/blob-references.ts); this module only moves files.
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
import { asStorageFullError } from "./storage-full";

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

  /** Bytes being removed wait here until the decision to remove them has committed. */
  private get trashDirectory() {
    return path.join(this.root, "trash");
  }

  blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`Not a sha256 digest: ${sha256}`);
    return path.join(this.root, "blobs", sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /**
   * Streams `source` to a temporary file, hashing as it goes. Past `maxBytes` the upload stops with 413. On every
   * failure the temporary file is closed and then removed before this rejects: the file is opened here rather than
   * by a write stream in the background, whose open could otherwise complete after the removal and leave the file
   * behind, or keep its descriptor past the answer.
   */
  async receive(source: Readable | AsyncIterable<Uint8Array>, maxBytes: number): Promise<ReceivedBlob> {
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
    // A full disk can refuse the folder or the file itself (no inodes left), before any byte is written.
    let file: fsp.FileHandle;
    try {
      await fsp.mkdir(this.temporaryDirectory, { recursive: true });
      file = await fsp.open(temporaryPath, "wx");
    } catch (error) {
      throw asStorageFullError(error) ?? error;
    }
    // The stream closes the file once it has finished or failed; nothing is removed before that.
    const destination = file.createWriteStream();
    const closed = new Promise<void>((resolve) => destination.once("close", () => resolve()));
    let failure: AppError | null = null;
    try {
      await pipeline(source, meter, destination);
    } catch (error) {
      failure =
        error instanceof AppError
          ? error
          : (asStorageFullError(error) ?? new AppError("BAD_REQUEST", "The upload was interrupted before the whole file arrived."));
    }
    await closed;
    if (failure) {
      await fsp.rm(temporaryPath, { force: true });
      throw failure;
    }
    return { temporaryPath, sha256: sha256.digest("hex"), md5: md5.digest("hex"), size };
  }

  /**
   * Moves a received file into place; when the same bytes are already stored, the copy is dropped. Callers hold
   * the digest's lock (services/blob-references.ts), so the bytes found here cannot be going away meanwhile.
   */
  async commit(blob: ReceivedBlob): Promise<string> {
    const destination = this.blobPath(blob.sha256);
    try {
      await fsp.mkdir(path.dirname(destination), { recursive: true });
      if (await exists(destination)) {
        await this.discard(blob);
      } else {
        await fsp.rename(blob.temporaryPath, destination);
      }
    } catch (error) {
      // New folders for the digest need room too.
      throw asStorageFullError(error) ?? error;
    }
    return destination;
  }

  async discard(blob: Pick<ReceivedBlob, "temporaryPath">): Promise<void> {
    await fsp.rm(blob.temporaryPath, { force: true });
  }

  /**
   * Moves stored bytes out of place, into the trash folder, and says where (null when they were not stored). Removal
   * happens in two steps so that it can be undone: restore() puts them back, dropAside() deletes them for good.
   */
  async setAside(sha256: string): Promise<string | null> {
    const aside = path.join(this.trashDirectory, `${sha256}.${randomBytes(8).toString("hex")}`);
    await fsp.mkdir(this.trashDirectory, { recursive: true });
    try {
      await fsp.rename(this.blobPath(sha256), aside);
      // Its age in the trash counts from now, not from the upload: the sweep leaves young leftovers alone.
      const now = new Date();
      await fsp.utimes(aside, now, now);
      return aside;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  /** Puts bytes set aside back in place (over a copy stored meanwhile, which holds the same bytes). */
  async restore(aside: string, sha256: string): Promise<void> {
    const destination = this.blobPath(sha256);
    await fsp.mkdir(path.dirname(destination), { recursive: true });
    await fsp.rename(aside, destination);
  }

  async dropAside(aside: string): Promise<void> {
    await fsp.rm(aside, { force: true });
  }

  async stat(sha256: string): Promise<fs.Stats | null> {
    try {
      return await fsp.stat(this.blobPath(sha256));
    } catch {
      return null;
    }
  }

  /** Every stored blob with its last modification: what the sweep for unreferenced bytes looks at. */
  async listBlobs(): Promise<{ sha256: string; modifiedAt: number }[]> {
    const found: { sha256: string; modifiedAt: number }[] = [];
    for (const first of await listFolder(path.join(this.root, "blobs"))) {
      for (const second of await listFolder(path.join(this.root, "blobs", first))) {
        const folder = path.join(this.root, "blobs", first, second);
        for (const name of await listFolder(folder)) {
          if (!/^[0-9a-f]{64}$/.test(name)) continue;
          const stats = await fsp.stat(path.join(folder, name)).catch(() => null);
          if (stats?.isFile()) found.push({ sha256: name, modifiedAt: stats.mtimeMs });
        }
      }
    }
    return found;
  }

  /** Files waiting in the temporary folder (uploads under way, or left by a crash) and in the trash folder. */
  async listLeftovers(): Promise<{ temporary: LeftoverFile[]; setAside: (LeftoverFile & { sha256: string })[] }> {
    const files = async (folder: string) => {
      const listed: LeftoverFile[] = [];
      for (const name of await listFolder(folder)) {
        const stats = await fsp.stat(path.join(folder, name)).catch(() => null);
        if (stats?.isFile()) listed.push({ path: path.join(folder, name), modifiedAt: stats.mtimeMs });
      }
      return listed;
    };
    const setAside = (await files(this.trashDirectory)).flatMap((file) => {
      const sha256 = path.basename(file.path).split(".")[0] ?? "";
      return /^[0-9a-f]{64}$/.test(sha256) ? [{ ...file, sha256 }] : [];
    });
    return { temporary: await files(this.temporaryDirectory), setAside };
  }

  async removeLeftover(file: LeftoverFile): Promise<void> {
    await fsp.rm(file.path, { force: true });
  }

  /** Opens a stored file for reading out; rejects (ENOENT) when it is missing. */
  openReader(sha256: string): Promise<BlobReader> {
    return BlobReader.open(this.blobPath(sha256));
  }
}

export interface LeftoverFile {
  path: string;
  modifiedAt: number;
}

async function listFolder(folder: string): Promise<string[]> {
  try {
    return await fsp.readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
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
