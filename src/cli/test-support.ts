/**
 * For the CLI's unit tests: in-memory streams for a command's input and output, and a fake tRPC server behind a
 * fetch function, answering the way the real one does (superjson, batched, error shapes with data.code).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import superjson from "superjson";
import type { CliIo } from "./context";
import { main } from "./main";

export class CapturedOutput extends Writable {
  isTTY = false;
  private readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
  get text(): string {
    return this.chunks.join("");
  }
}

export class TrpcFailure {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    readonly message: string,
  ) {}
}

export interface RecordedCall {
  path: string;
  input: unknown;
  headers: Headers;
}

type Handler = (input: unknown, headers: Headers) => unknown;

/** A fetch that answers tRPC calls from handlers by procedure path; unknown paths answer NOT_FOUND as tRPC does. */
export function fakeTrpcServer(handlers: Record<string, Handler>) {
  const calls: RecordedCall[] = [];
  const fetchImplementation = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input.toString() : input.url);
    const paths = decodeURIComponent(url.pathname.replace(/^.*\/api\/trpc\//, "")).split(",");
    const headers = new Headers(init?.headers);
    const rawInputs = init?.method === "POST" ? JSON.parse(String(init.body)) : JSON.parse(url.searchParams.get("input") ?? "{}");
    let status = 200;
    const results = paths.map((procedurePath, index) => {
      const serialized = rawInputs[String(index)];
      const procedureInput = serialized ? superjson.deserialize(serialized) : undefined;
      calls.push({ path: procedurePath, input: procedureInput, headers });
      const handler = handlers[procedurePath];
      let outcome: unknown;
      try {
        outcome = handler ? handler(procedureInput, headers) : new TrpcFailure("NOT_FOUND", 404, `No procedure found on path "${procedurePath}"`);
      } catch (error) {
        outcome = error;
      }
      if (outcome instanceof TrpcFailure) {
        status = outcome.httpStatus;
        const shape = { message: outcome.message, code: -32000, data: { code: outcome.code, httpStatus: outcome.httpStatus, path: procedurePath } };
        return { error: superjson.serialize(shape) };
      }
      return { result: { data: superjson.serialize(outcome) } };
    });
    return new Response(JSON.stringify(results), { status, headers: { "content-type": "application/json" } });
  };
  return { fetch: fetchImplementation as typeof fetch, calls };
}

export function temporaryConfigHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "granary-cli-test-"));
}

export interface RunOptions {
  configHome?: string;
  url?: string;
  token?: string;
  fetch?: typeof fetch;
  stdin?: string;
  /** Whether stderr is a terminal (progress bars) of 100 columns. */
  terminal?: boolean;
}

/** Runs the CLI in-process and returns its exit code and output. */
export async function runCli(argv: string[], options: RunOptions = {}) {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  if (options.terminal) Object.assign(stderr, { isTTY: true, columns: 100 });
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]), { isTTY: false });
  const io: CliIo = {
    stdout,
    stderr,
    stdin,
    environment: { url: options.url, token: options.token, configHome: options.configHome ?? temporaryConfigHome() },
    fetch: options.fetch,
    hostname: () => "build.example.org",
    now: () => new Date("2026-03-04T05:06:07.890Z"),
  };
  const exitCode = await main(argv, io);
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}
