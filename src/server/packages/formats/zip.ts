import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import type { Entry, LocalFileHeader, ZipFile } from "yauzl";
import yauzl from "yauzl";
import { AppError } from "../../errors";
import { isSystemError, scanBudget, type FileProblems } from "./problems";

/**
 * Zip archives (wheels, zip sdists, the outer layer of a .conda), read through yauzl and checked member by
 * member: an archive is accepted only if every member reads to its end with the CRC-32 and sizes the central
 * directory gives it, and its local header agrees with the central directory. yauzl checks the sizes and the
 * local header's signature; it ignores the rest of the local header and never computes CRC-32 (its README
 * says so), so both are checked here. Members stream through; none is held whole unless asked for with
 * `read`, which is capped.
 */

const dataDescriptorSignature = 0x08074b50;
/**
 * Stored members (all of a .conda's, and large wheels') are read through one reused buffer of this size, so a
 * 100 MiB member allocates nothing per chunk; at 64 KiB the per-chunk promises alone still showed as megabytes.
 */
const storedReadBytes = 1024 * 1024;
const zip64ExtraFieldId = 0x0001;
const usesDataDescriptor = 0x08;

export class ZipArchive {
  private handle: FileHandle | null = null;
  private readBuffer: Buffer | null = null;

  constructor(
    readonly zip: ZipFile,
    private readonly path: string,
    private readonly problems: FileProblems,
  ) {}

  /**
   * Every entry of the central directory, in its order. Refuses a name given twice (tools disagree about which
   * copy counts, so one could hide behind the other) and an archive whose members declare more bytes than
   * `scanBudget` allows for its size: yauzl holds each member to its declared size, so this bounds the work.
   */
  async entries(): Promise<Entry[]> {
    const entries: Entry[] = [];
    try {
      for await (const entry of this.zip.eachEntry()) entries.push(entry);
    } catch (error) {
      throw translate(error, this.problems);
    }
    const names = new Set<string>();
    let declared = 0;
    for (const entry of entries) {
      if (names.has(entry.fileName)) throw this.problems.invalid(`it has ${entry.fileName} twice`);
      names.add(entry.fileName);
      declared += entry.uncompressedSize;
    }
    const budget = scanBudget(this.zip.fileSize);
    if (declared > budget) throw this.problems.expandsTooFar(budget);
    return entries;
  }

  /**
   * One member's bytes, checked: its local header before the first chunk, its size and CRC-32 after the last.
   * A chunk is valid only until the next one is asked for (stored members reuse one buffer). A consumer that
   * stops early skips the CRC-32 check, so only stop when refusing the file anyway.
   */
  async *bytes(entry: Entry): AsyncGenerator<Buffer, void, undefined> {
    if (entry.isEncrypted()) throw this.problems.invalid(`its ${entry.fileName} is encrypted`);
    if (!entry.canDecodeFileData()) throw this.problems.invalid(`its ${entry.fileName} uses an unsupported compression method (${entry.compressionMethod})`);
    let fileDataStart: number;
    try {
      const header = await this.zip.readLocalFileHeaderPromise(entry);
      await this.checkLocalHeader(entry, header);
      fileDataStart = header.fileDataStart;
    } catch (error) {
      throw translate(error, this.problems, entry);
    }
    let checksum = 0;
    const chunks = entry.compressionMethod === 0 ? this.storedData(fileDataStart, entry.compressedSize) : this.inflatedData(entry, fileDataStart);
    try {
      for await (const chunk of chunks) {
        checksum = crc32(chunk, checksum);
        yield chunk;
      }
    } catch (error) {
      throw translate(error, this.problems, entry);
    }
    if (checksum >>> 0 !== entry.crc32) throw this.problems.invalid(`${entry.fileName} fails its CRC-32 check`);
  }

  /** yauzl has checked that the data lies within the file, so a short read means the file changed under us. */
  private async *storedData(start: number, length: number): AsyncGenerator<Buffer, void, undefined> {
    this.handle ??= await open(this.path, "r");
    this.readBuffer ??= Buffer.allocUnsafe(storedReadBytes);
    for (let done = 0; done < length; ) {
      const { bytesRead } = await this.handle.read(this.readBuffer, 0, Math.min(this.readBuffer.length, length - done), start + done);
      if (bytesRead === 0) throw new Error("the file ended before the member's data did");
      done += bytesRead;
      yield this.readBuffer.subarray(0, bytesRead);
    }
  }

  private async *inflatedData(entry: Entry, fileDataStart: number): AsyncGenerator<Buffer, void, undefined> {
    const stream = await openData(this.zip, entry, fileDataStart);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
    } finally {
      stream.destroy();
    }
  }

  /** Reads a member to its end for its checks alone. */
  async verify(entry: Entry): Promise<void> {
    for await (const _chunk of this.bytes(entry));
  }

  /** Reads one member whole, refusing (by its declared and by its actual size) anything past `limit`. */
  async read(entry: Entry, limit: number): Promise<Buffer> {
    if (entry.uncompressedSize > limit) throw this.problems.tooLarge(entry.fileName, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.bytes(entry)) {
      total += chunk.length;
      if (total > limit) throw this.problems.tooLarge(entry.fileName, limit);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  async close(): Promise<void> {
    this.zip.close();
    await this.handle?.close();
    this.handle = null;
  }

  /**
   * The local header repeats the central directory's name, method, CRC-32 and sizes; unzip tools that stream
   * (pip's, conda's) trust the local copy, so the two must agree. With a data descriptor (bit 3) the local
   * values may be zero and the descriptor after the data carries them instead.
   */
  private async checkLocalHeader(entry: Entry, header: LocalFileHeader): Promise<void> {
    const disagrees = (field: string) => this.problems.invalid(`${entry.fileName}'s local header disagrees with the central directory about its ${field}`);
    if (!header.fileName.equals(entry.fileNameRaw)) throw disagrees("name");
    if (header.compressionMethod !== entry.compressionMethod) throw disagrees("compression method");
    const local = localSizes(header);
    const descriptor = header.generalPurposeBitFlag & usesDataDescriptor ? await this.readDataDescriptor(entry, header, local.zip64) : null;
    const claims = (value: number, central: number) => value === central || (descriptor !== null && value === 0);
    if (!claims(header.crc32, entry.crc32) || (descriptor && descriptor.crc32 !== entry.crc32)) throw disagrees("CRC-32");
    if (!claims(local.compressedSize, entry.compressedSize) || (descriptor && descriptor.compressedSize !== entry.compressedSize)) throw disagrees("compressed size");
    if (!claims(local.uncompressedSize, entry.uncompressedSize) || (descriptor && descriptor.uncompressedSize !== entry.uncompressedSize)) throw disagrees("size");
  }

  private async readDataDescriptor(entry: Entry, header: LocalFileHeader, zip64: boolean) {
    this.handle ??= await open(this.path, "r");
    const buffer = Buffer.alloc(24);
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, header.fileDataStart + entry.compressedSize);
    const start = bytesRead >= 4 && buffer.readUInt32LE(0) === dataDescriptorSignature ? 4 : 0;
    const width = zip64 ? 8 : 4;
    if (start + 4 + 2 * width > bytesRead) throw this.problems.invalid(`${entry.fileName} has no data descriptor after its data`);
    const sizeAt = (offset: number) => (zip64 ? Number(buffer.readBigUInt64LE(offset)) : buffer.readUInt32LE(offset));
    return { crc32: buffer.readUInt32LE(start), compressedSize: sizeAt(start + 4), uncompressedSize: sizeAt(start + 4 + width) };
  }
}

/** The local header's sizes, with zip64's 0xffffffff placeholders replaced from its zip64 extra field. */
function localSizes(header: LocalFileHeader): { compressedSize: number; uncompressedSize: number; zip64: boolean } {
  let { compressedSize, uncompressedSize } = header;
  const extra = zip64ExtraField(header.extraField);
  if (extra) {
    // In a local header the field holds both sizes, uncompressed first.
    if (uncompressedSize === 0xffffffff && extra.length >= 8) uncompressedSize = Number(extra.readBigUInt64LE(0));
    if (compressedSize === 0xffffffff && extra.length >= 16) compressedSize = Number(extra.readBigUInt64LE(8));
  }
  return { compressedSize, uncompressedSize, zip64: extra !== null };
}

function zip64ExtraField(extraField: Buffer): Buffer | null {
  for (let offset = 0; offset + 4 <= extraField.length; ) {
    const id = extraField.readUInt16LE(offset);
    const size = extraField.readUInt16LE(offset + 2);
    if (id === zip64ExtraFieldId) return extraField.subarray(offset + 4, offset + 4 + size);
    offset += 4 + size;
  }
  return null;
}

function openData(zip: ZipFile, entry: Entry, fileDataStart: number): Promise<Readable> {
  // openReadStream would read the local header a second time; the low-level call starts from the one checked.
  return new Promise((resolve, reject) => {
    zip.openReadStreamLowLevel(fileDataStart, entry.compressedSize, 0, entry.compressedSize, entry.compressionMethod === 8, entry.uncompressedSize, (error, stream) =>
      error ? reject(error) : resolve(stream),
    );
  });
}

/**
 * Every failure from yauzl or zlib (no end-of-directory record, bad offsets, a member whose data is shorter or
 * longer than declared, a broken deflate stream) means the upload is truncated or corrupt.
 */
function translate(error: unknown, problems: FileProblems, entry?: Entry): unknown {
  if (error instanceof AppError) return error;
  if (isSystemError(error)) return error;
  const message = error instanceof Error ? error.message : undefined;
  return problems.corrupt(entry && message ? `${entry.fileName}: ${message}` : message);
}

export async function withZip<T>(path: string, problems: FileProblems, work: (archive: ZipArchive) => Promise<T>): Promise<T> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    throw translate(error, problems);
  }
  // An error emitted with no listener would crash the process; the promises report it instead.
  zip.on("error", () => {});
  const archive = new ZipArchive(zip, path, problems);
  try {
    return await work(archive);
  } finally {
    await archive.close();
  }
}
