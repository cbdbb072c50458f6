import { AppError } from "../../errors";

/**
 * Every message names the uploaded file: a publisher uploading a batch must see which file failed and why.
 * BAD_REQUEST means the bytes are not the kind of file the name claims; UNPROCESSABLE_CONTENT means the
 * archive is sound but what it says about itself is wrong.
 */
export class FileProblems {
  constructor(
    readonly filename: string,
    /** How the file is named in messages, e.g. `.conda` or `wheel`. */
    readonly kind: string,
  ) {}

  invalid(detail: string): AppError {
    return new AppError("BAD_REQUEST", `${this.filename} is not a valid ${this.kind} file: ${detail}.`);
  }

  corrupt(detail?: string): AppError {
    const trimmed = detail?.trim().replace(/\.$/, "");
    return this.invalid(`it is truncated or corrupt${trimmed ? ` (${trimmed})` : ""}`);
  }

  tooLarge(member: string, limit: number): AppError {
    return this.invalid(`its ${member} is larger than the ${formatBytes(limit)} allowed for metadata`);
  }

  /** Decompressing without end is what archive bombs do; a real package never comes close to the budget. */
  expandsTooFar(budget: number): AppError {
    return this.invalid(`it expands to more than ${formatBytes(budget)}, far more than a package of its size can hold`);
  }

  /** `example.whl's METADATA has no Version.` */
  metadata(subject: string, problem: string): AppError {
    return new AppError("UNPROCESSABLE_CONTENT", `${this.filename}'s ${subject} ${problem}.`);
  }

  /** `example.whl: wheel filename says version 1.0 but METADATA says 1.1.` */
  mismatch(message: string): AppError {
    return new AppError("UNPROCESSABLE_CONTENT", `${this.filename}: ${message}.`);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${trimNumber(bytes / (1024 * 1024 * 1024))} GiB`;
  if (bytes >= 1024 * 1024) return `${trimNumber(bytes / (1024 * 1024))} MiB`;
  if (bytes >= 1024) return `${trimNumber(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

function trimNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export interface ParseLimits {
  /** Cap on any one metadata member read out of an archive (and on an environment file). */
  maxMetadataBytes: number;
  /** Cap on a notebook, which is parsed whole and legitimately carries images in its outputs. */
  maxDocumentBytes: number;
}

export const defaultLimits: ParseLimits = {
  maxMetadataBytes: 10 * 1024 * 1024,
  maxDocumentBytes: 64 * 1024 * 1024,
};

/**
 * How many decompressed bytes checking an archive may wade through. Real packages compress by well under 64x,
 * so this only ever stops archive bombs, which would otherwise cost minutes of decompression.
 */
export function scanBudget(compressedBytes: number): number {
  return Math.max(256 * 1024 * 1024, compressedBytes * 64);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes without touching a byte-order mark, so PEP 658 metadata is served exactly as uploaded. */
export function decodeUtf8(bytes: Uint8Array, problems: FileProblems, subject: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw problems.metadata(subject, "is not UTF-8 text");
  }
}

export function parseJsonText(text: string, problems: FileProblems, subject: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
  } catch (error) {
    throw problems.metadata(subject, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-empty trimmed string, or null for anything else (including setuptools' legacy `UNKNOWN`). */
export function textOrNull(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "UNKNOWN" ? null : trimmed;
}

/** Homepages become links on package pages, so only http(s) URLs are kept: never `javascript:` and friends. */
export function webUrlOrNull(value: unknown): string | null {
  const text = textOrNull(value);
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? text : null;
  } catch {
    return null;
  }
}

/** Node's own I/O failures (missing temp file, permissions) are the server's problem, not the upload's. */
export function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === "string";
}
