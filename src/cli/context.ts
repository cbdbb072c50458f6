/**
 * What every command works with: the streams (injectable, so tests run commands in-process), the environment,
 * the stored sign-in, and typed clients for the server it resolves to.
 */
import os from "node:os";
import { createGranaryClient, normalizeServerUrl, type GranaryClient } from "../client";
import { readConfig, type StoredConfig } from "./config";
import { readCliEnvironment, type CliEnvironment } from "./environment";
import { notSignedIn } from "./errors";

export const defaultServerUrl = "http://localhost:3000";

type OutputStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  environment: CliEnvironment;
  /** Replaces the global fetch for tRPC calls (tests). */
  fetch?: typeof fetch;
  hostname?: () => string;
  now?: () => Date;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, environment: readCliEnvironment() };
}

export class CliContext {
  private storedConfig: Promise<StoredConfig | null> | undefined;

  constructor(readonly io: CliIo) {}

  out(text: string): void {
    this.io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  get environment(): CliEnvironment {
    return this.io.environment;
  }

  now(): Date {
    return this.io.now?.() ?? new Date();
  }

  hostname(): string {
    return this.io.hostname?.() ?? os.hostname();
  }

  config(): Promise<StoredConfig | null> {
    this.storedConfig ??= readConfig(this.environment.configHome);
    return this.storedConfig;
  }

  /** GRANARY_URL, else the server signed in to, else the default. */
  async serverUrl(): Promise<string> {
    return normalizeServerUrl(this.environment.url ?? (await this.config())?.url ?? defaultServerUrl);
  }

  /**
   * GRANARY_TOKEN, else the stored token, but only for the server it was issued by: pointing GRANARY_URL at
   * another server must not send it the stored credential.
   */
  async token(): Promise<string | undefined> {
    if (this.environment.token) return this.environment.token;
    const config = await this.config();
    if (!config) return undefined;
    return normalizeServerUrl(config.url) === (await this.serverUrl()) ? config.token : undefined;
  }

  async requireToken(): Promise<string> {
    const token = await this.token();
    if (!token) throw notSignedIn();
    return token;
  }

  /** A client with the token when there is one, anonymous otherwise (for public reads). */
  async client(): Promise<GranaryClient> {
    return createGranaryClient({ url: await this.serverUrl(), token: await this.token(), fetch: this.io.fetch });
  }

  async authenticatedClient(): Promise<GranaryClient> {
    const token = await this.requireToken();
    return createGranaryClient({ url: await this.serverUrl(), token, fetch: this.io.fetch });
  }

  clientFor(options: { url: string; token?: string; basic?: { username: string; password: string } }): GranaryClient {
    return createGranaryClient({ ...options, fetch: this.io.fetch });
  }
}
