import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { setImmediate as yieldToOtherWork } from "node:timers/promises";
import Bunzip from "seek-bzip";
import type { FileProblems } from "./problems";

/**
 * Streams a bzip2 file through a synchronous consumer without ever holding the whole file or its output.
 *
 * seek-bzip is the only bzip2 decoder installed and it is synchronous: it pulls input bytes and pushes output
 * bytes from inside one call. Its decoder class does work block by block, though, and a valid bzip2 block
 * is coded in at most ~4.2 MB of input (nSelectors <= 32767 groups of 50 symbols of <= 20 bits). So before
 * each block this reads ahead asynchronously until 5 MiB are buffered (or the file ends), lets the decoder
 * run the block synchronously against that buffer, and yields to the event loop between blocks. A block's
 * output (900 kB, or up to ~46 MB after run-length expansion) goes to the consumer in 64 KiB pieces as it is
 * produced. Memory stays at the 6 MiB read buffer, the decoder's 3.6 MB block table and whatever the
 * consumer keeps; nothing scales with the file.
 * The block-level methods are internal to seek-bzip 2.x (see seek-bzip.d.ts); `assertDecoderShape` fails
 * loudly at the first use if an upgrade removes them.
 *
 * Decoding runs at roughly 5-25 MB/s (6 MB/s on incompressible data). Checking an upload decodes all of it,
 * so the event loop is handed back between blocks; other callers may still stop early (the consumer returns
 * false).
 */

const lookaheadBytes = 5 * 1024 * 1024;
const readBufferBytes = 6 * 1024 * 1024;
const outputChunkBytes = 64 * 1024;
const endOfStreamMagic = 0x177245385090n;

class InputEnded extends Error {}
class BlockTooLong extends Error {}
class ConsumerStopped extends Error {}
class BudgetExceeded extends Error {}

class LookaheadFileInput {
  private readonly buffer = Buffer.allocUnsafe(readBufferBytes);
  private start = 0;
  private end = 0;
  private filePosition = 0;

  constructor(
    private readonly handle: FileHandle,
    private fileSize: number,
  ) {}

  async fill(): Promise<void> {
    if (this.end - this.start >= lookaheadBytes || this.filePosition >= this.fileSize) return;
    this.buffer.copyWithin(0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
    while (this.end < this.buffer.length && this.filePosition < this.fileSize) {
      const { bytesRead } = await this.handle.read(this.buffer, this.end, this.buffer.length - this.end, this.filePosition);
      if (bytesRead === 0) {
        this.fileSize = this.filePosition;
        break;
      }
      this.end += bytesRead;
      this.filePosition += bytesRead;
    }
  }

  readByte(): number {
    if (this.start < this.end) return this.buffer[this.start++]!;
    // Throwing (rather than returning -1) keeps the decoder from reading garbage bits past the end.
    throw this.filePosition >= this.fileSize ? new InputEnded() : new BlockTooLong();
  }

  read(target: Uint8Array, offset: number, length: number): number {
    for (let index = 0; index < length; index++) target[offset + index] = this.readByte();
    return length;
  }

  startsAnotherStream(): boolean {
    return this.end - this.start >= 3 && this.buffer.toString("latin1", this.start, this.start + 3) === "BZh";
  }
}

class ChunkedOutput {
  private readonly chunk = Buffer.allocUnsafe(outputChunkBytes);
  private position = 0;
  private total = 0;

  constructor(
    private readonly consume: (chunk: Uint8Array) => boolean,
    private readonly budget: number,
  ) {}

  writeByte(byte: number): void {
    this.chunk[this.position++] = byte;
    if (this.position === outputChunkBytes) this.flush();
  }

  flush(): void {
    if (this.position === 0) return;
    this.total += this.position;
    if (this.total > this.budget) throw new BudgetExceeded();
    const wantsMore = this.consume(this.chunk.subarray(0, this.position));
    this.position = 0;
    if (!wantsMore) throw new ConsumerStopped();
  }
}

/**
 * The end-of-stream marker is bit-aligned, followed by a 32-bit CRC and zero padding to a byte boundary, so
 * the last 11 bytes tell whether the file ends where a bzip2 stream ends. This catches truncated uploads
 * without decoding the whole file.
 */
function endsLikeBzip2(tail: Buffer): boolean {
  let bits = 0n;
  for (const byte of tail) bits = (bits << 8n) | BigInt(byte);
  for (let padding = 0n; padding < 8n; padding++) {
    if ((bits & ((1n << padding) - 1n)) !== 0n) continue;
    if (((bits >> (padding + 32n)) & 0xffffffffffffn) === endOfStreamMagic) return true;
  }
  return false;
}

function assertDecoderShape(): void {
  const prototype = Bunzip.prototype as unknown as Record<string, unknown>;
  for (const method of ["_start_bunzip", "_init_block", "_read_bunzip"]) {
    if (typeof prototype[method] !== "function") throw new Error(`seek-bzip no longer has ${method}; update src/server/packages/formats/bzip2.ts`);
  }
}

/**
 * Feeds the decompressed bytes of `path` to `consume` in order until it returns false or the data ends.
 * `consume` must not keep the chunk it is given. Throws AppErrors worded by `problems`.
 */
export async function scanBzip2File(path: string, consume: (chunk: Uint8Array) => boolean, budget: number, problems: FileProblems): Promise<void> {
  assertDecoderShape();
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(11);
    if (size < 14) throw problems.corrupt("too short for bzip2 data");
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, tail.length, size - tail.length);
    if (head.toString("latin1", 0, 3) !== "BZh" || head[3]! < 0x31 || head[3]! > 0x39) throw problems.corrupt("not bzip2 data");
    if (!endsLikeBzip2(tail)) throw problems.corrupt("the bzip2 data does not end properly");

    const input = new LookaheadFileInput(handle, size);
    const output = new ChunkedOutput(consume, budget);
    try {
      await input.fill();
      const decoder = new Bunzip(input, output);
      for (;;) {
        await input.fill();
        // A block takes up to ~150 ms to decode; other requests get their turn between blocks, not only when
        // the read-ahead happens to need the disk.
        await yieldToOtherWork();
        if (decoder._init_block()) {
          decoder._read_bunzip();
          continue;
        }
        const storedChecksum = decoder.reader.read(32) >>> 0;
        if (storedChecksum !== decoder.streamCRC >>> 0) throw problems.corrupt("bzip2 stream checksum mismatch");
        await input.fill();
        if (!input.startsAnotherStream()) break;
        decoder._start_bunzip(input, output);
      }
      output.flush();
    } catch (error) {
      if (error instanceof ConsumerStopped) return;
      if (error instanceof BudgetExceeded) throw problems.expandsTooFar(budget);
      if (error instanceof InputEnded) throw problems.corrupt("the bzip2 data ends early");
      if (error instanceof BlockTooLong) throw problems.corrupt("impossibly long bzip2 block");
      if (error instanceof Error && "errorCode" in error) throw problems.corrupt(`bzip2: ${error.message}`);
      throw error;
    }
  } finally {
    await handle.close();
  }
}
