import { spawn } from "node:child_process";
import fs from "node:fs";
import type { Writable } from "node:stream";
import { AppError } from "../../errors";
import type { FileProblems } from "./problems";

/**
 * Zstandard decoding for the tarballs inside a .conda, through Debian's `zstd` program (apt package zstd).
 *
 * Checking a package means decoding all of it, and a zstd decoder must keep as much of its recent output as
 * the frame's window declares: cph writes 64 MiB windows, conda-build 128 MiB. Any decoder inside the server
 * (fzstd, a WASM or native binding) would grow the server's memory by that much for every upload, and fzstd
 * also copies its whole window once per 128 KiB block and never looks at frame checksums. The program keeps
 * the window in its own short-lived process, checks every frame's content checksum when the frame has one,
 * and decodes on the other core at native speed; the server only sees its output stream by.
 * `--memory=128MB` states libzstd's own default, so a frame that declares a larger window is refused.
 */

const candidates = ["/usr/bin/zstd", "/bin/zstd"];
export const zstdInstallHint = "apt-get install zstd";

let executable: string | null | undefined;

export function zstdExecutable(): string | null {
  executable ??= candidates.find((candidate) => fs.existsSync(candidate)) ?? null;
  return executable;
}

/** zstd's complaints are kept to this many characters: enough for its message, never a flood. */
const maxDiagnosticChars = 4096;

/**
 * Decodes `compressed` to its end, handing every decoded chunk to `consume` (which must not keep it). Throws
 * AppErrors worded by `problems`, naming the tarball by `label`. An AppError thrown by `compressed` itself (the
 * zip member failing its CRC-32, say) or by `consume` (a malformed tar) wins over zstd's view of the same bytes.
 */
export async function decompressZstd(
  compressed: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  consume: (chunk: Uint8Array) => void,
  options: { budget: number; problems: FileProblems; label: string },
): Promise<void> {
  const program = zstdExecutable();
  // The server's installation is incomplete, which is not the uploader's mistake: this is a 500 for the admin.
  if (!program) throw new Error(`Checking .conda packages needs the zstd program, which is not installed: ${zstdInstallHint}`);
  const { budget, problems, label } = options;
  const child = spawn(program, ["--decompress", "--stdout", "--quiet", "--memory=128MB"], { stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  let diagnostics = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text: string) => {
    if (diagnostics.length < maxDiagnosticChars) diagnostics += text.slice(0, maxDiagnosticChars - diagnostics.length);
  });
  let feedError: unknown = null;
  // When zstd gives up early, writing to it fails with EPIPE: its exit code and message say why.
  child.stdin.on("error", () => {});
  const feeding = feed(compressed, child.stdin).catch((error: unknown) => {
    feedError = error;
  });

  let total = 0;
  try {
    // 'data' events rather than async iteration: a promise per chunk is garbage the benchmark sees as memory.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        try {
          total += chunk.length;
          if (total > budget) throw problems.expandsTooFar(budget);
          consume(chunk);
        } catch (error) {
          child.stdout.destroy();
          reject(error);
        }
      });
      child.stdout.once("end", resolve);
      child.stdout.once("error", reject);
    });
  } catch (error) {
    child.kill();
    await feeding;
    await exited.catch(() => {});
    throw error;
  }
  await feeding;
  const code = await exited;
  if (feedError instanceof AppError) throw feedError;
  if (feedError && !isBrokenPipe(feedError)) throw feedError;
  if (code !== 0) throw zstdProblem(diagnostics, problems, label);
}

/**
 * Writes each chunk and waits until it has been handed over before asking for the next, because the source
 * reuses its buffer (see ZipArchive.bytes); waiting is also all the back-pressure a pipe needs.
 */
async function feed(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, destination: Writable): Promise<void> {
  try {
    for await (const chunk of source) {
      await new Promise<void>((resolve, reject) => destination.write(chunk, (error) => (error ? reject(error) : resolve())));
    }
    destination.end();
  } catch (error) {
    destination.destroy();
    throw error;
  }
}

function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_PREMATURE_CLOSE" || code === "ERR_STREAM_DESTROYED";
}

/** zstd prefixes each line with the input's name (`/*stdin*\ :`); what follows says what went wrong. */
function zstdProblem(diagnostics: string, problems: FileProblems, label: string): AppError {
  const lines = diagnostics
    .split("\n")
    .map((line) => line.replace(/^(zstd: )?\/\*stdin\*\\\s*:?\s*/, "").trim())
    .filter(Boolean);
  const text = lines.join(" ");
  if (/premature end|unexpected end|truncated/i.test(text)) return problems.invalid(`${label} is truncated`);
  if (/checksum/i.test(text)) return problems.invalid(`${label} fails its zstd checksum`);
  if (/too much memory|window size larger/i.test(text)) return problems.invalid(`${label} declares a zstd window larger than 128 MiB`);
  if (/unsupported format|unknown header/i.test(text)) return problems.invalid(`${label} holds bytes that are not zstd data`);
  return problems.invalid(`${label} is corrupt (zstd: ${lines[0] ?? "no message"})`);
}
