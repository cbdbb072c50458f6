/** `granary upload FILE...`: each file hashed, then streamed, with a progress bar per file on a terminal. */
import fs from "node:fs/promises";
import path from "node:path";
import { MultiBar, Presets, type SingleBar } from "cli-progress";
import { uploadFile, type UploadedFile, type UploadProgress } from "../client";
import type { CliContext } from "./context";
import { ExitCode, toCliError, usageError } from "./errors";
import { formatBytes, toJson } from "./format";

export interface UploadCommandOptions {
  label?: string[];
  private?: boolean;
  force?: boolean;
  owner?: string;
  json?: boolean;
}

interface FileToUpload {
  file: string;
  name: string;
  size: number;
}

/** Reports progress: bars on a terminal, a line per step otherwise (CI logs, pipes). */
interface ProgressReporter {
  started(index: number): void;
  progressed(index: number, progress: UploadProgress): void;
  finished(index: number, outcome: "done" | "failed"): void;
  stop(): void;
}

function barReporter(stream: NodeJS.WritableStream, files: FileToUpload[]): ProgressReporter {
  const width = Math.min(40, Math.max(...files.map((file) => file.name.length)));
  const multibar = new MultiBar(
    {
      format: "{name} |{bar}| {percentage}% {phase} {done} of {size}",
      stream,
      hideCursor: true,
      barsize: 24,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      // Redraws are throttled anyway; force a redraw for small files that finish between two ticks.
      forceRedraw: true,
    },
    Presets.shades_classic,
  );
  const label = (name: string) => (name.length > width ? `${name.slice(0, width - 1)}…` : name.padEnd(width));
  const bars: SingleBar[] = files.map((file) =>
    multibar.create(Math.max(file.size, 1), 0, { name: label(file.name), phase: "waiting  ", done: formatBytes(0), size: formatBytes(file.size) }),
  );
  return {
    started: () => {},
    progressed(index, progress) {
      const phase = progress.phase === "hashing" ? "hashing  " : "uploading";
      bars[index]?.update(progress.bytes, { phase, done: formatBytes(progress.bytes) });
    },
    finished(index, outcome) {
      const file = files[index]!;
      const bar = bars[index];
      if (outcome === "done") bar?.update(Math.max(file.size, 1), { phase: "done     ", done: formatBytes(file.size) });
      else bar?.update({ phase: "failed   " });
    },
    stop: () => multibar.stop(),
  };
}

function lineReporter(write: (line: string) => void, files: FileToUpload[]): ProgressReporter {
  return {
    started(index) {
      const file = files[index]!;
      write(`Uploading ${file.name} (${formatBytes(file.size)})...`);
    },
    progressed: () => {},
    finished: () => {},
    stop: () => {},
  };
}

async function checkFiles(paths: string[]): Promise<FileToUpload[]> {
  const files: FileToUpload[] = [];
  for (const file of paths) {
    let stat;
    try {
      stat = await fs.stat(file);
    } catch {
      throw usageError(`There is no file ${file}.`);
    }
    if (!stat.isFile()) throw usageError(`${file} is not a file.`);
    files.push({ file, name: path.basename(file), size: stat.size });
  }
  return files;
}

export function describeUpload(result: UploadedFile): string {
  return `Uploaded ${result.filename} as ${result.owner}/${result.name} ${result.version} (${result.subdir}; labels: ${result.labels.join(", ")}).`;
}

export async function upload(context: CliContext, paths: string[], options: UploadCommandOptions): Promise<number> {
  const files = await checkFiles(paths);
  const token = await context.requireToken();
  const url = await context.serverUrl();
  const owner = options.owner ?? (await (await context.authenticatedClient()).account.whoami.query()).username;
  const reporter = context.io.stderr.isTTY ? barReporter(context.io.stderr, files) : lineReporter((line) => context.err(line), files);

  const uploaded: UploadedFile[] = [];
  const failures: { file: string; message: string; exitCode: number }[] = [];
  for (const [index, file] of files.entries()) {
    reporter.started(index);
    try {
      const result = await uploadFile({
        url,
        token,
        owner,
        file: file.file,
        labels: options.label,
        makePrivate: options.private,
        force: options.force,
        onProgress: (progress) => reporter.progressed(index, progress),
      });
      reporter.finished(index, "done");
      uploaded.push(result);
      if (!context.io.stderr.isTTY && !options.json) context.out(describeUpload(result));
    } catch (error) {
      reporter.finished(index, "failed");
      const failure = toCliError(error, url);
      failures.push({ file: file.file, message: failure.message, exitCode: failure.exitCode });
      if (!context.io.stderr.isTTY) context.err(`Failed to upload ${file.name}: ${failure.message}`);
      // Nothing else will get through either.
      if (failure.exitCode === ExitCode.authentication || failure.exitCode === ExitCode.server) break;
    }
  }
  reporter.stop();

  if (options.json) {
    context.out(toJson({ uploaded, failed: failures.map(({ file, message }) => ({ file, error: message })) }));
  } else if (context.io.stderr.isTTY) {
    for (const result of uploaded) context.out(describeUpload(result));
    for (const failure of failures) context.err(`Failed to upload ${path.basename(failure.file)}: ${failure.message}`);
  }
  const skipped = files.length - uploaded.length - failures.length;
  if (skipped > 0) context.err(`${skipped} file${skipped === 1 ? " was" : "s were"} not attempted.`);
  return failures[0]?.exitCode ?? ExitCode.ok;
}
