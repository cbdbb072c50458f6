/**
 * Helpers for the protocol tests: credentials as clients send them, the handler on a real port over a temporary
 * file store, plain HTTP calls that show the bytes on the wire, and the package clients found on this machine.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { env } from "@/env";
import type { Db } from "../db";
import { BlobStore } from "../storage";
import { startProtocolServer, type ProtocolServer } from "./server";

export const testAuthSecret = "protocol-tests-secret-that-is-long-enough";
export const sessionCookieName = "authjs.session-token";

export function basicAuthorization(login: string, password: string): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString("base64")}`;
}

/** The cookie the web app sets after sign-in, made the way next-auth makes it. */
export async function sessionCookie(account: { id: string; sessionVersion: number }): Promise<string> {
  const token = await encode({ token: { sub: account.id, sv: account.sessionVersion }, secret: testAuthSecret, salt: sessionCookieName });
  return `${sessionCookieName}=${token}`;
}

export interface TestServer extends ProtocolServer {
  store: BlobStore;
  filesDirectory: string;
}

export async function startTestServer(db: Db, options: { maxUploadBytes?: number; now?: () => Date } = {}): Promise<TestServer> {
  const filesDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "granary-protocol-files-"));
  const store = new BlobStore(filesDirectory);
  const server = await startProtocolServer({
    db,
    store,
    authSecret: testAuthSecret,
    maxUploadBytes: options.maxUploadBytes ?? 50 * 1024 * 1024,
    // Tests flush explicitly.
    downloadFlushIntervalMs: 3_600_000,
    now: options.now,
  });
  return {
    ...server,
    store,
    filesDirectory,
    async close() {
      await server.close();
      fs.rmSync(filesDirectory, { recursive: true, force: true });
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

/**
 * Why a client cannot run here, or null when it can. Locally a missing client skips its tests with this reason;
 * with CI=true the tests fail instead, so CI never passes by skipping.
 */
export function missingClient(command: string[], installHint: string): string | null {
  const [program, ...args] = command;
  if (!program) return "no command";
  const result = spawnSync(program, args, { stdio: "pipe", timeout: 30_000 });
  if (result.error || result.status !== 0) return `${command.join(" ")} does not run here (${installHint})`;
  return null;
}

export function mustRunClients(): boolean {
  return env.CI;
}

export interface WireResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  /** The body exactly as sent: no decompression. */
  body: Buffer;
  text: string;
}

/** One HTTP request through node:http, which (unlike fetch) neither adds Accept-Encoding nor decodes. */
export function call(
  server: { port: number },
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port: server.port, path: target, method: options.method ?? "GET", headers: options.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, statusMessage: response.statusMessage ?? "", headers: response.headers, body, text: body.toString("utf8") });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}
