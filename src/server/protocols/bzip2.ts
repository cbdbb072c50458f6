/**
 * bzip2 for repodata.json.bz2. No well-kept bzip2 *encoder* exists among npm packages (the maintained ones
 * only decompress), so this runs Debian's `bzip2` program (apt package bzip2). Without it, repodata.json.bz2
 * answers 404 and conda and rattler fall back to repodata.json.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";

const candidates = ["/usr/bin/bzip2", "/bin/bzip2"];

let executable: string | null | undefined;

export function bzip2Executable(): string | null {
  executable ??= candidates.find((candidate) => fs.existsSync(candidate)) ?? null;
  return executable;
}

export function compressBzip2(input: Buffer): Promise<Buffer | null> {
  const program = bzip2Executable();
  if (!program) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["-c", "-9"], { stdio: ["pipe", "pipe", "pipe"] });
    const output: Buffer[] = [];
    const errors: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => errors.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(output));
      else reject(new Error(`bzip2 exited with ${code}: ${Buffer.concat(errors).toString("utf8").trim()}`));
    });
    child.stdin.on("error", reject);
    child.stdin.end(input);
  });
}
