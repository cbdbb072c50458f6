/**
 * Reading a stored file out to a writable (a download's response) through a small pool of reused buffers.
 *
 * fs.createReadStream allocates a fresh buffer for every chunk. In the launcher's process, whose heap holds Next
 * as well, those allocations kept the garbage collector busy for as much time as the copying itself: downloads
 * ran at about half the rate they reach with buffers that are reused (bench/RESULTS.md, "100 MiB download").
 * Here the next chunk is read while the current one is written, and a buffer goes back to the pool only once
 * the destination has finished writing it.
 */
import fsp, { type FileHandle } from "node:fs/promises";
import type { Writable } from "node:stream";

/** Large reads keep the per-chunk work small next to the copying (64 KiB chunks ran at half the rate). */
export const blobReadChunkBytes = 512 * 1024;
/** At most this many idle buffers are kept between downloads (16 MiB); more are left to the garbage collector. */
const maxIdleBuffers = 32;
const idleBuffers: Buffer[] = [];

function takeBuffer(): Buffer {
  return idleBuffers.pop() ?? Buffer.allocUnsafeSlow(blobReadChunkBytes);
}

function returnBuffer(buffer: Buffer): void {
  if (idleBuffers.length < maxIdleBuffers) idleBuffers.push(buffer);
}

/** Resolves when the destination wants more ("drain") or will take no more ("close"). */
function drainedOrClosed(destination: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      destination.off("drain", done);
      destination.off("close", done);
      resolve();
    };
    destination.on("drain", done);
    destination.on("close", done);
  });
}

export type ByteRange = { start: number; end: number };

export class BlobReader {
  private constructor(
    private readonly handle: FileHandle,
    /** The file's size in bytes. */
    readonly size: number,
  ) {}

  /** Opens a stored file; rejects (ENOENT) when it is missing, before anything has been sent. */
  static async open(filePath: string): Promise<BlobReader> {
    const handle = await fsp.open(filePath, "r");
    try {
      return new BlobReader(handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Writes bytes `start`..`end` (inclusive; the whole file by default) to the destination, honouring its
   * backpressure, then ends it and closes the file. Resolves false when the destination closed first (the client
   * hung up), true when every byte was written. A read error rejects and leaves ending the destination to the caller.
   */
  async copyTo(destination: Writable, range: ByteRange = { start: 0, end: this.size - 1 }): Promise<boolean> {
    try {
      let position = range.start;
      const readFrom = async (offset: number) => {
        const buffer = takeBuffer();
        try {
          const { bytesRead } = await this.handle.read(buffer, 0, Math.min(buffer.length, range.end + 1 - offset), offset);
          if (bytesRead === 0) throw new Error(`The stored file ended at byte ${offset} of ${this.size}.`);
          return { buffer, bytesRead };
        } catch (error) {
          returnBuffer(buffer);
          throw error;
        }
      };
      let next = position <= range.end ? readFrom(position) : null;
      while (next) {
        const { buffer, bytesRead } = await next;
        position += bytesRead;
        if (destination.destroyed) {
          returnBuffer(buffer);
          return false;
        }
        // Read ahead while this chunk is written.
        next = position <= range.end ? readFrom(position) : null;
        // Handled below if the read fails while the write is pending.
        next?.catch(() => {});
        const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
        const wantsMore = destination.write(chunk, () => returnBuffer(buffer));
        if (!wantsMore) await drainedOrClosed(destination);
      }
      if (destination.destroyed) return false;
      destination.end();
      return true;
    } finally {
      await this.handle.close();
    }
  }

  /** Closes the file without reading it (a HEAD request, a 304). */
  async close(): Promise<void> {
    await this.handle.close();
  }
}
