/**
 * Uploads through `POST /api/channels/<owner>/upload/<filename>`, the raw-body endpoint conda tooling and the
 * web UI use. Files are streamed twice, once to hash and once to send, so a file of any size costs only a
 * read buffer of memory; the server checks the sha256 and refuses damaged bytes.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";

export interface UploadProgress {
  phase: "hashing" | "uploading";
  /** Bytes hashed or sent so far. */
  bytes: number;
  total: number;
}

export interface UploadOptions {
  /** The server's address, e.g. `http://localhost:3000`. */
  url: string;
  /**
   * An access token allowed to upload this kind of file: conda packages need conda:upload (scope `conda`), wheels and
   * sdists pypi:upload (scope `pypi` or `pypi:upload`), notebooks and environments package:upload; `all` and
   * `api:write` take every kind.
   */
  token: string;
  /** The user or organization to publish under. */
  owner: string;
  /** Path of the file to upload. */
  file: string;
  /** The name to publish under; the file's own name by default. */
  filename?: string;
  /** Labels to put the file under (`main` when none). */
  labels?: string[];
  /** Make the package private. */
  makePrivate?: boolean;
  /** Replace a file of the same name. */
  force?: boolean;
  /** The file's sha256 when already known; computed otherwise. */
  sha256?: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

/** The server's answer to a successful upload. */
export interface UploadedFile {
  fileId: string;
  packageId: string;
  owner: string;
  name: string;
  version: string;
  filename: string;
  subdir: string;
  sha256: string;
  size: number;
  labels: string[];
  downloadUrl: string;
}

export type UploadFailure =
  | "checksum-mismatch"
  | "exists"
  | "too-large"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "rejected"
  | "server-error"
  | "unreachable"
  | "unreadable-file";

function failureFor(status: number): UploadFailure {
  if (status === 406) return "checksum-mismatch";
  if (status === 409) return "exists";
  if (status === 413) return "too-large";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status >= 500) return "server-error";
  return "rejected";
}

export class UploadError extends Error {
  override readonly name = "UploadError";
  constructor(
    message: string,
    readonly failure: UploadFailure,
    /** The HTTP status, or null when no answer came (or the file could not be read). */
    readonly status: number | null,
    readonly filename: string,
  ) {
    super(message);
  }
}

/** The file's sha256 as hexadecimal, read as a stream. */
export async function computeSha256(file: string, onProgress?: (bytes: number) => void): Promise<string> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    onProgress?.(bytes);
  }
  return hash.digest("hex");
}

export function uploadUrl(options: Pick<UploadOptions, "url" | "owner" | "labels" | "makePrivate" | "force"> & { filename: string; sha256: string }): URL {
  const base = options.url.trim().replace(/\/+$/, "");
  const target = new URL(`${base}/api/channels/${encodeURIComponent(options.owner)}/upload/${encodeURIComponent(options.filename)}`);
  target.searchParams.set("sha256", options.sha256);
  for (const label of options.labels ?? []) target.searchParams.append("label", label);
  if (options.makePrivate) target.searchParams.set("private", "1");
  if (options.force) target.searchParams.set("force", "1");
  return target;
}

function messageFromBody(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === "string" && parsed.error) return parsed.error;
  } catch {
    // Not JSON: a proxy's page or plain text.
  }
  const text = body.trim();
  return text && text.length < 500 && !text.startsWith("<") ? text : `The server answered ${status}.`;
}

/** Sends one file; resolves with the published file, rejects with an UploadError. */
export async function uploadFile(options: UploadOptions): Promise<UploadedFile> {
  const filename = options.filename ?? path.basename(options.file);
  let size: number;
  let sha256: string;
  try {
    const stat = await fs.promises.stat(options.file);
    if (!stat.isFile()) throw new Error(`${options.file} is not a file.`);
    size = stat.size;
    sha256 =
      options.sha256 ??
      (await computeSha256(options.file, (bytes) => options.onProgress?.({ phase: "hashing", bytes, total: size })));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UploadError(`Cannot read ${options.file}: ${reason}`, "unreadable-file", null, filename);
  }
  const target = uploadUrl({ ...options, filename, sha256 });
  const transport = target.protocol === "https:" ? https : http;
  options.onProgress?.({ phase: "uploading", bytes: 0, total: size });

  return new Promise<UploadedFile>((resolve, reject) => {
    let settled = false;
    let answered = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const request = transport.request(target, {
      method: "POST",
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(size),
        "X-API-Key": options.token,
        Accept: "application/json",
      },
      signal: options.signal,
    });
    const source = fs.createReadStream(options.file, { highWaterMark: 256 * 1024 });
    let sent = 0;
    source.on("data", (chunk) => {
      sent += chunk.length;
      options.onProgress?.({ phase: "uploading", bytes: sent, total: size });
    });
    source.on("error", (error) => {
      request.destroy();
      settle(() => reject(new UploadError(`Cannot read ${options.file}: ${error.message}`, "unreadable-file", null, filename)));
    });

    request.on("response", (response) => {
      answered = true;
      const status = response.statusCode ?? 0;
      if (status !== 201 && status !== 200) {
        // A refusal can come before the whole body is sent (413, 401): stop sending.
        source.unpipe(request);
        source.destroy();
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received <= 1024 * 1024) chunks.push(chunk);
      });
      const finish = () => {
        const body = Buffer.concat(chunks).toString("utf8");
        if (status === 200 || status === 201) {
          try {
            settle(() => resolve(JSON.parse(body) as UploadedFile));
          } catch {
            settle(() => reject(new UploadError(`The server's answer to ${filename} was not JSON.`, "server-error", status, filename)));
          }
          return;
        }
        settle(() => reject(new UploadError(messageFromBody(status, body), failureFor(status), status, filename)));
      };
      response.on("end", finish);
      response.on("aborted", finish);
      response.on("error", finish);
    });
    request.on("error", (error) => {
      // After an early refusal the server may close while bytes are still going out; the answer is what counts.
      if (answered) return;
      const reason = error.name === "AbortError" ? "the upload was cancelled" : error.message;
      settle(() => reject(new UploadError(`Could not upload ${filename} to ${target.origin}: ${reason}.`, "unreachable", null, filename)));
    });
    source.pipe(request);
  });
}
