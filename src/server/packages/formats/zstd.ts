import { Decompress } from "fzstd";
import type { FileProblems } from "./problems";

/**
 * Zstandard decoding for the small info tarball of a .conda file, with the guards fzstd leaves to callers.
 *
 * fzstd allocates the full window a frame header declares before decoding anything, and a header can
 * declare up to 2 GB. conda-package-handling itself writes 64 MiB windows even for a 300-byte tarball.
 * So every frame header is checked first: windows past 128 MiB (libzstd's own default decoder limit) are
 * refused, and larger-than-needed windows are shrunk to 8 MiB in a private copy of the header. That is exact
 * while a frame's output stays under 8 MiB, because no match can reach further back than the output so far;
 * a frame that grows past it raises `WindowTooSmall` and the caller decodes again with the real window.
 */

const windowLimit = 128 * 1024 * 1024;
const shrunkWindowLog = 23;
const shrunkWindow = 2 ** shrunkWindowLog;
const maxBlockBytes = 128 * 1024;

export class WindowTooSmall extends Error {}
class ConsumerStopped extends Error {}

interface Frame {
  start: number;
  end: number;
  skippable: boolean;
  /** Offset of the window descriptor byte, when the frame has one. */
  windowDescriptorAt: number | null;
  windowSize: number;
}

function readLittleEndian(data: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let index = length - 1; index >= 0; index--) value = value * 256 + data[at + index]!;
  return value;
}

/** Walks the frame and block headers so that size, window and truncation are known before any allocation. */
function walkFrames(data: Uint8Array, problems: FileProblems, label: string): Frame[] {
  const frames: Frame[] = [];
  const ended = () => problems.corrupt(`${label} ends early`);
  let at = 0;
  while (at < data.length) {
    if (at + 8 > data.length) throw ended();
    const magic = readLittleEndian(data, at, 4);
    if (magic >>> 4 === 0x184d2a5) {
      const end = at + 8 + readLittleEndian(data, at + 4, 4);
      if (end > data.length) throw ended();
      frames.push({ start: at, end, skippable: true, windowDescriptorAt: null, windowSize: 0 });
      at = end;
      continue;
    }
    if (magic !== 0xfd2fb528) throw problems.corrupt(`${label} is not zstd data`);
    const descriptor = data[at + 4]!;
    const contentSizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const hasChecksum = (descriptor >> 2) & 1;
    const dictionaryIdFlag = descriptor & 3;
    if (descriptor & 8) throw problems.corrupt(`${label} has a bad zstd frame header`);
    let cursor = at + 5;
    let windowDescriptorAt: number | null = null;
    let windowSize = 0;
    if (!singleSegment) {
      windowDescriptorAt = cursor;
      const windowByte = data[cursor]!;
      const base = 2 ** (10 + (windowByte >> 3));
      windowSize = base + (base / 8) * (windowByte & 7);
      cursor += 1;
    }
    const dictionaryIdBytes = [0, 1, 2, 4][dictionaryIdFlag]!;
    if (dictionaryIdBytes && readLittleEndian(data, cursor, dictionaryIdBytes) !== 0) {
      throw problems.invalid(`${label} needs a zstd dictionary`);
    }
    cursor += dictionaryIdBytes;
    const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!;
    if (contentSizeBytes) {
      const contentSize = readLittleEndian(data, cursor, contentSizeBytes) + (contentSizeBytes === 2 ? 256 : 0);
      if (singleSegment) windowSize = contentSize;
    }
    cursor += contentSizeBytes;
    if (windowSize > windowLimit) throw problems.invalid(`${label} declares a zstd window larger than 128 MiB`);
    for (;;) {
      if (cursor + 3 > data.length) throw ended();
      const blockHeader = readLittleEndian(data, cursor, 3);
      const last = blockHeader & 1;
      const type = (blockHeader >> 1) & 3;
      const size = blockHeader >> 3;
      if (type === 3 || size > maxBlockBytes) throw problems.corrupt(`${label} has a bad zstd block`);
      cursor += 3 + (type === 1 ? 1 : size);
      if (cursor > data.length) throw ended();
      if (last) break;
    }
    cursor += hasChecksum ? 4 : 0;
    if (cursor > data.length) throw ended();
    frames.push({ start: at, end: cursor, skippable: false, windowDescriptorAt, windowSize });
    at = cursor;
  }
  return frames;
}

/**
 * Decodes `data` frame by frame into `consume` until it returns false or the data ends. With `shrinkWindows`
 * it may throw WindowTooSmall; decode again without it, into a fresh consumer.
 */
export function decompressZstd(
  data: Uint8Array,
  consume: (chunk: Uint8Array) => boolean,
  options: { shrinkWindows: boolean; budget: number; problems: FileProblems; label: string },
): void {
  const { problems, label } = options;
  const frames = walkFrames(data, problems, label);
  let total = 0;
  try {
    for (const frame of frames) {
      if (frame.skippable) continue;
      let bytes = data.subarray(frame.start, frame.end);
      let windowCap = Infinity;
      if (options.shrinkWindows && frame.windowDescriptorAt !== null && frame.windowSize > shrunkWindow) {
        bytes = Uint8Array.from(bytes);
        bytes[frame.windowDescriptorAt - frame.start] = (shrunkWindowLog - 10) << 3;
        windowCap = shrunkWindow;
      }
      let frameOutput = 0;
      const decompressor = new Decompress((chunk) => {
        frameOutput += chunk.length;
        total += chunk.length;
        if (frameOutput > windowCap) throw new WindowTooSmall();
        if (total > options.budget) throw problems.expandsTooFar(options.budget);
        if (!consume(chunk)) throw new ConsumerStopped();
      });
      decompressor.push(bytes, true);
    }
  } catch (error) {
    if (error instanceof ConsumerStopped) return;
    if (error instanceof Error && "code" in error && typeof error.code === "number") {
      throw error.code === 5 ? problems.corrupt(`${label} ends early`) : problems.corrupt(`${label}: ${error.message}`);
    }
    throw error;
  }
}
