/**
 * Helpers for the protocol tests: credentials as clients send them, the handler on a real port over a temporary
 * file store, plain HTTP calls that show the bytes on the wire, and the package clients found on this machine.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { testDatabaseUrl } from "@/test/db";
import type { Db } from "../db";
import type { BrowserSession } from "../services/account-records";
import { ChangeListener } from "../services/change-listener";
import { PlatformReloader } from "../services/platform-restart";
import { SiteModeCache } from "../services/site-mode";
import { VerifiedTokenCache } from "../services/token-cache";
import type { TokenCheckRow } from "../services/token-checks";
import { BlobStore } from "../storage";
import type { HttpLimits } from "../http-limits";
import { startProtocolServer, type ProtocolServer } from "./server";

export const testAuthSecret = "protocol-tests-secret-that-is-long-enough";
export const sessionCookieName = "authjs.session-token";

export function basicAuthorization(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`;
}

/** The cookie the web app sets after sign-in, made the way next-auth makes it, for a session opened on the server. */
export async function sessionCookie(session: BrowserSession): Promise<string> {
  const token = await encode({
    token: { sub: session.userId, sv: session.sessionVersion, sid: session.sessionId },
    secret: testAuthSecret,
    salt: sessionCookieName,
  });
  return `${sessionCookieName}=${token}`;
}

export interface TestServer extends ProtocolServer {
  store: BlobStore;
  filesDirectory: string;
  /** The launcher's token cache, listening on the test database. */
  tokenCache: VerifiedTokenCache<TokenCheckRow>;
  /** The launcher's change listener, which the token cache and the channel directory hear through. */
  changes: ChangeListener;
  /** The launcher's memory of read-only mode. */
  siteMode: SiteModeCache;
  /** The launcher's answer to platform restarts. */
  reloader: PlatformReloader;
}

export async function startTestServer(
  db: Db,
  options: {
    maxUploadBytes?: number;
    now?: () => Date;
    channelMemoMilliseconds?: number;
    trustedProxies?: number;
    /** The store's folder (a small filesystem, say), which the test owns; a temporary folder removed on close otherwise. */
    filesDirectory?: string;
    /** Timeouts and per-client limits (http-limits.ts); the environment's by default. */
    limits?: Partial<HttpLimits>;
    /** The address of `db`, when it is not the worker's test database (a second instance's). */
    databaseUrl?: string;
  } = {},
): Promise<TestServer> {
  const filesDirectory = options.filesDirectory ?? fs.mkdtempSync(path.join(os.tmpdir(), "granary-protocol-files-"));
  const store = new BlobStore(filesDirectory);
  // As the launcher runs it: tokens (and channels, when remembered) are kept once read, and forgotten when a change
  // is heard of.
  const changes = new ChangeListener(options.databaseUrl ?? testDatabaseUrl(), { log: () => {} });
  const tokenCache = new VerifiedTokenCache<TokenCheckRow>(changes);
  const siteMode = new SiteModeCache(changes);
  siteMode.start();
  const reloader = new PlatformReloader(changes, db, { log: () => {} });
  reloader.start();
  await tokenCache.start();
  const server = await startProtocolServer({
    db,
    store,
    authSecret: testAuthSecret,
    maxUploadBytes: options.maxUploadBytes ?? 50 * 1024 * 1024,
    // Tests flush explicitly.
    downloadFlushIntervalMs: 3_600_000,
    now: options.now,
    // Tests change rows directly and expect the next request to see them.
    channelMemoMilliseconds: options.channelMemoMilliseconds ?? 0,
    tokenCache,
    // Like the launcher without TRUST_PROXY unless a test puts proxies in front.
    trustedProxies: options.trustedProxies ?? 0,
    limits: options.limits,
    changes,
  });
  return {
    ...server,
    store,
    filesDirectory,
    tokenCache,
    changes,
    siteMode,
    reloader,
    async close() {
      await server.close();
      reloader.close();
      siteMode.close();
      await tokenCache.close();
      await changes.close();
      if (!options.filesDirectory) fs.rmSync(filesDirectory, { recursive: true, force: true });
    },
  };
}

/** Every file under the store, relative to it: what a failed upload must not leave behind. */
export function storedFiles(server: TestServer): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    if (!fs.existsSync(directory)) return;
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(path.relative(server.filesDirectory, full));
    }
  };
  walk(server.filesDirectory);
  return found.sort();
}

export function temporaryDirectory(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `granary-${prefix}-`));
}

export interface WireResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as sent: no decompression. */
  body: Buffer;
  text: string;
  /** Whether the request went over a connection an earlier request had opened (with a keep-alive agent). */
  reusedSocket: boolean;
}

/**
 * One HTTP request through node:http, which (unlike fetch) neither adds Accept-Encoding nor decodes. A fresh
 * connection each time, unless an agent (keep-alive, as package clients use) is given.
 */
export function call(
  server: { port: number },
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent } = {},
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port: server.port, path: target, method: options.method ?? "GET", headers: options.headers, agent: options.agent ?? false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            statusMessage: response.statusMessage ?? "",
            headers: response.headers,
            body,
            text: body.toString("utf8"),
            reusedSocket: request.reusedSocket,
          });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

export const sha256Of = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

/** A twine-style multipart body, built by hand so each field can be varied. */
export function multipartBody(fields: Record<string, string>, file?: { name: string; bytes: Buffer }) {
  const boundary = "----granary-test-boundary";
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file.bytes, Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Uploads a file the way twine does, to `/<owner>/pypi/legacy/`. */
export function twineStyleUpload(
  server: { port: number },
  owner: string,
  file: string,
  auth: Record<string, string>,
  fieldOverrides: Record<string, string> = {},
): Promise<WireResponse> {
  const bytes = fs.readFileSync(file);
  const { body, contentType } = multipartBody(
    {
      ":action": "file_upload",
      protocol_version: "1",
      sha256_digest: sha256Of(bytes),
      md5_digest: createHash("md5").update(bytes).digest("hex"),
      ...fieldOverrides,
    },
    { name: path.basename(file), bytes },
  );
  return call(server, `/${owner}/pypi/legacy/`, { method: "POST", headers: { "Content-Type": contentType, ...auth }, body });
}

/** Uploads a file through the conda tooling's API, `/api/channels/<owner>/upload/<filename>`. */
export function condaStyleUpload(
  server: { port: number },
  owner: string,
  file: string,
  auth: Record<string, string>,
  options: { label?: string; private?: boolean; force?: boolean; sha256?: string } = {},
): Promise<WireResponse> {
  const bytes = fs.readFileSync(file);
  const query = new URLSearchParams({ sha256: options.sha256 ?? sha256Of(bytes) });
  if (options.label) query.set("label", options.label);
  // `private: false` is the uploader's explicit choice of public (private=0), unlike leaving it out.
  if (options.private !== undefined) query.set("private", options.private ? "1" : "0");
  if (options.force) query.set("force", "1");
  return call(server, `/api/channels/${owner}/upload/${encodeURIComponent(path.basename(file))}?${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/octet-stream", ...auth },
    body: bytes,
  });
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client without blocking the event loop: the server under test lives in this same process, so a
 * synchronous spawn would deadlock it. `env` replaces the environment when given (tests build it).
 */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
