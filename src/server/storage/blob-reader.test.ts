import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import { blobReadChunkBytes, BlobReader } from "./blob-reader";

const directory = fs.mkdtempSync(path.join(os.tmpdir(), "granary-blob-reader-"));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

// Several chunks and a partial last one, so reads, read-ahead and buffer reuse all happen.
const bytes = randomBytes(3 * blobReadChunkBytes + 12_345);
const file = path.join(directory, "blob");
fs.writeFileSync(file, bytes);

/** A destination that takes its time: it keeps every chunk's bytes as they were when written, asynchronously. */
function slowCollector() {
  const received: Buffer[] = [];
  const destination = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        received.push(Buffer.from(chunk));
        callback();
      }, 1);
    },
  });
  return { destination, received: () => Buffer.concat(received) };
}

describe("BlobReader", () => {
  it("copies the whole file, unchanged although its buffers are reused, and ends the destination", async () => {
    for (let copy = 0; copy < 3; copy++) {
      const { destination, received } = slowCollector();
      const reader = await BlobReader.open(file);
      expect(reader.size).toBe(bytes.length);
      expect(await reader.copyTo(destination)).toBe(true);
      await finished(destination);
      expect(received().equals(bytes)).toBe(true);
    }
  });

  it("copies a byte range, inclusive of its end", async () => {
    const ranges = [
      { start: 0, end: 0 },
      { start: 10, end: blobReadChunkBytes + 5 },
      { start: bytes.length - 100, end: bytes.length - 1 },
    ];
    for (const range of ranges) {
      const { destination, received } = slowCollector();
      expect(await (await BlobReader.open(file)).copyTo(destination, range)).toBe(true);
      await finished(destination);
      expect(received().equals(bytes.subarray(range.start, range.end + 1))).toBe(true);
    }
  });

  it("stops when the destination goes away, and closes the file", async () => {
    const openFiles = () => fs.readdirSync("/proc/self/fd").length;
    const before = openFiles();
    const destination = new PassThrough({ highWaterMark: 1024 });
    let taken = 0;
    destination.on("data", (chunk: Buffer) => {
      taken += chunk.length;
      destination.destroy();
    });
    const reader = await BlobReader.open(file);
    expect(await reader.copyTo(destination)).toBe(false);
    expect(taken).toBeLessThan(bytes.length);
    expect(openFiles()).toBe(before);
  });

  it("refuses to open a missing file before anything is written", async () => {
    await expect(BlobReader.open(path.join(directory, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
