import { createHash, type Hash } from "node:crypto";
import type { FileProblems } from "./problems";

/**
 * A push-driven tar reader. It is synchronous on purpose: the bzip2 decoder produces output inside synchronous
 * loops, and a synchronous consumer lets it hand over each chunk without buffering a whole block's output
 * (which a bzip2 bomb can make 45 MB). It understands ustar, GNU long names and pax headers, keeps only the
 * members the caller asks for, hashes the ones it is told to as they pass, and skips everything else without
 * holding it.
 */

export interface TarEntry {
  /** Normalized: no leading `./` or `/`, no trailing `/`. */
  path: string;
  type: "file" | "directory" | "hardlink" | "symlink" | "other";
  size: number;
  /** What a hard or symbolic link points at (a hard link's target normalized like `path`); null otherwise. */
  linkTarget: string | null;
}

/** `hash` streams the member's data through sha256 and hands the digest to `onHashed`. */
export type EntryDecision = "collect" | "hash" | "skip" | "stop";

export interface TarScannerOptions {
  problems: FileProblems;
  /** Names the tarball in messages, e.g. `info-x.tar.zst`. */
  label: string;
  maxMemberBytes: number;
  onEntry(entry: TarEntry): EntryDecision;
  /** Returns whether scanning should go on. */
  onMember(entry: TarEntry, data: Buffer): boolean;
  onHashed?(entry: TarEntry, sha256: Buffer): void;
}

const blockSize = 512;
/** pax and GNU long-name records hold a path and a few numbers; anything bigger is not a real archive. */
const maxExtendedHeaderBytes = 1024 * 1024;

type Purpose = "collect" | "hash" | "skip" | "pax" | "longname" | "longlink";

type State =
  | { kind: "header" }
  | { kind: "data"; entry: TarEntry | null; purpose: Purpose; remaining: number; padding: number; chunks: Buffer[]; hash: Hash | null }
  | { kind: "padding"; remaining: number }
  | { kind: "done" };

export class TarScanner {
  private state: State = { kind: "header" };
  private readonly header = Buffer.alloc(blockSize);
  private headerFill = 0;
  private pendingPath: string | null = null;
  private pendingLinkTarget: string | null = null;
  private pendingSize: number | null = null;

  constructor(private readonly options: TarScannerOptions) {}

  /** True once the end-of-archive marker was read or the caller stopped the scan. */
  get finished(): boolean {
    return this.state.kind === "done";
  }

  /** Feeds decompressed bytes; returns false when no more are wanted. The chunk is not kept. */
  push(chunk: Uint8Array): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.state;
      if (state.kind === "done") return false;
      if (state.kind === "header") {
        const take = Math.min(blockSize - this.headerFill, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
        this.headerFill += take;
        offset += take;
        if (this.headerFill === blockSize) {
          this.headerFill = 0;
          this.readHeader();
        }
      } else if (state.kind === "data") {
        const take = Math.min(state.remaining, chunk.length - offset);
        if (state.hash) state.hash.update(chunk.subarray(offset, offset + take));
        else if (state.purpose !== "skip" && take > 0) state.chunks.push(Buffer.from(chunk.subarray(offset, offset + take)));
        state.remaining -= take;
        offset += take;
        if (state.remaining === 0) this.finishMember(state);
      } else {
        const take = Math.min(state.remaining, chunk.length - offset);
        state.remaining -= take;
        offset += take;
        if (state.remaining === 0) this.state = { kind: "header" };
      }
    }
    // A member with no data completes as soon as its header is read.
    if (this.state.kind === "data" && this.state.remaining === 0) this.finishMember(this.state);
    return this.state.kind !== "done";
  }

  /** Call when the input ends: an archive that stops before its end marker was cut short. */
  finish(): void {
    if (this.state.kind === "data" && this.state.remaining === 0) this.finishMember(this.state);
    if (this.state.kind === "done") return;
    throw this.options.problems.corrupt(`${this.options.label} ends in the middle of the archive`);
  }

  private corrupt(detail: string): Error {
    return this.options.problems.corrupt(`${this.options.label}: ${detail}`);
  }

  private readHeader(): void {
    const header = this.header;
    if (header.every((byte) => byte === 0)) {
      this.state = { kind: "done" };
      return;
    }
    const storedChecksum = parseNumber(header.subarray(148, 156));
    let unsignedSum = 0;
    let signedSum = 0;
    for (let index = 0; index < blockSize; index++) {
      const byte = index >= 148 && index < 156 ? 0x20 : header[index]!;
      unsignedSum += byte;
      signedSum += byte > 127 ? byte - 256 : byte;
    }
    if (storedChecksum === null || (storedChecksum !== unsignedSum && storedChecksum !== signedSum)) {
      throw this.corrupt("bad tar header checksum");
    }

    const headerSize = parseNumber(header.subarray(124, 136));
    if (headerSize === null) throw this.corrupt("bad tar member size");
    const typeflag = String.fromCharCode(header[156]!);
    const isPosixUstar = header.subarray(257, 263).toString("latin1") === "ustar\0";
    let path = readString(header.subarray(0, 100));
    if (isPosixUstar) {
      const prefix = readString(header.subarray(345, 500));
      if (prefix) path = `${prefix}/${path}`;
    }

    if (typeflag === "x" || typeflag === "L" || typeflag === "K") {
      if (headerSize > maxExtendedHeaderBytes) throw this.corrupt("oversized extended header");
      this.beginData(null, typeflag === "x" ? "pax" : typeflag === "L" ? "longname" : "longlink", headerSize);
      return;
    }
    if (typeflag === "g") {
      // Global pax records say nothing about which member holds what.
      this.beginData(null, "skip", headerSize);
      return;
    }

    const size = this.pendingSize ?? headerSize;
    const type = entryType(typeflag);
    const linkTarget = this.pendingLinkTarget ?? readString(header.subarray(157, 257));
    const entry: TarEntry = {
      path: normalizePath(this.pendingPath ?? path),
      type,
      size,
      linkTarget: type === "hardlink" ? normalizePath(linkTarget) : type === "symlink" ? linkTarget : null,
    };
    this.pendingPath = null;
    this.pendingLinkTarget = null;
    this.pendingSize = null;

    const decision = this.options.onEntry(entry);
    if (decision === "stop") {
      this.state = { kind: "done" };
      return;
    }
    if (decision === "collect" && entry.size > this.options.maxMemberBytes) {
      throw this.options.problems.tooLarge(entry.path, this.options.maxMemberBytes);
    }
    // Links and directories carry no data whatever their size field says.
    const dataSize = entry.type === "file" || entry.type === "other" ? size : 0;
    this.beginData(entry, decision, dataSize);
  }

  private beginData(entry: TarEntry | null, purpose: Purpose, size: number): void {
    const hash = purpose === "hash" ? createHash("sha256") : null;
    this.state = { kind: "data", entry, purpose, remaining: size, padding: (blockSize - (size % blockSize)) % blockSize, chunks: [], hash };
  }

  private finishMember(state: Extract<State, { kind: "data" }>): void {
    const padding = state.padding;
    this.state = padding > 0 ? { kind: "padding", remaining: padding } : { kind: "header" };
    if (state.purpose === "skip") return;
    if (state.hash) {
      if (state.entry) this.options.onHashed?.(state.entry, state.hash.digest());
      return;
    }
    const data = Buffer.concat(state.chunks);
    if (state.purpose === "longname") {
      this.pendingPath = readString(data);
    } else if (state.purpose === "longlink") {
      this.pendingLinkTarget = readString(data);
    } else if (state.purpose === "pax") {
      this.applyPax(data);
    } else if (state.entry && !this.options.onMember(state.entry, data)) {
      this.state = { kind: "done" };
    }
  }

  private applyPax(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      const space = data.indexOf(0x20, offset);
      if (space < 0) throw this.corrupt("bad pax header");
      const length = Number(data.subarray(offset, space).toString("latin1"));
      if (!Number.isSafeInteger(length) || length <= space - offset || offset + length > data.length) throw this.corrupt("bad pax header");
      const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
      const equals = record.indexOf("=");
      if (equals < 0) throw this.corrupt("bad pax header");
      const key = record.slice(0, equals);
      const value = record.slice(equals + 1);
      if (key === "path") this.pendingPath = value;
      if (key === "linkpath") this.pendingLinkTarget = value;
      if (key === "size") {
        const size = Number(value);
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(size)) throw this.corrupt("bad pax size");
        this.pendingSize = size;
      }
      offset += length;
    }
  }
}

function entryType(typeflag: string): TarEntry["type"] {
  if (typeflag === "0" || typeflag === "\0" || typeflag === "7") return "file";
  if (typeflag === "5") return "directory";
  if (typeflag === "1") return "hardlink";
  if (typeflag === "2") return "symlink";
  return "other";
}

function readString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString("utf8");
}

/** Octal text, or GNU's base-256 form for sizes past 8 GiB; null when the field is neither. */
function parseNumber(field: Buffer): number | null {
  const first = field[0]!;
  if (first & 0x80) {
    if (first & 0x40) return null;
    let value = first & 0x3f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : null;
  }
  const text = field.toString("latin1").replace(/\0.*$/s, "").trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : null;
}

function normalizePath(path: string): string {
  let normalized = path.replace(/\\/g, "/");
  while (normalized.startsWith("./") || normalized.startsWith("/")) normalized = normalized.startsWith("/") ? normalized.slice(1) : normalized.slice(2);
  return normalized.replace(/\/+$/, "");
}
