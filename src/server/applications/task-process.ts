/**
 * One task run as a process (Tools → Applications): the application's environment's Python runs a small runner script
 * that limits its own address space (RLIMIT_AS, set before the task is imported, so the task's imports count too),
 * reads the input as JSON on stdin, imports the task's entry point and calls it. The task talks back through the
 * `granary_task` helper module, which writes one JSON message a line to file descriptor 3: progress, log lines and,
 * at the end, the result or the error. Whatever the task prints on stdout and stderr is kept as log lines as well.
 *
 * The process gets an environment made here from nothing (never the server's: no Granary secret reaches it), a
 * temporary HOME and an output folder, and is the leader of its own process group, so a timeout or a cancel kills
 * everything it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { helperModuleSource } from "./granary-task-helper";
import { environmentPython } from "./python-environment";

/** The runner: argv is the entry point (`module:attribute`) and the memory limit in bytes (0 for none). */
export const runnerScript = String.raw`
import sys
entry_point, memory_limit = sys.argv[1], int(sys.argv[2])
if memory_limit > 0:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

import importlib, json, traceback
import granary_task

def fail(kind, error):
    granary_task._send({"type": "error", "errorType": kind, "message": str(error),
                        "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__))})
    sys.exit(1)

try:
    data = json.loads(sys.stdin.read() or "null")
    module_name, _, attribute = entry_point.partition(":")
    target = importlib.import_module(module_name.strip())
    for part in attribute.strip().split("."):
        target = getattr(target, part)
    result = target(data)
    try:
        text = json.dumps(result)
    except (TypeError, ValueError) as error:
        fail("ResultNotJSON", TypeError("the task returned a value that is not JSON: " + str(error)))
    sys.stdout.flush()
    sys.stderr.flush()
    granary_task._send({"type": "result", "value": json.loads(text)})
except MemoryError as error:
    fail("MemoryError", MemoryError("the task ran out of its memory limit"))
except SystemExit:
    raise
except BaseException as error:
    fail(type(error).__name__, error)
`;

export type TaskMessage =
  | { type: "progress"; fraction: number; message: string | null }
  | { type: "log"; message: string }
  | { type: "result"; value: unknown }
  | { type: "error"; errorType: string; message: string; traceback: string };

export interface TaskProcessOptions {
  environmentPath: string;
  entryPoint: string;
  input: unknown;
  /** The run's own folder: HOME, the helper, the output folder live under it. */
  workFolder: string;
  timeoutSeconds: number;
  memoryLimitMebibytes: number;
  signal?: AbortSignal;
  onProgress(fraction: number, message: string | null): void;
  onLog(stream: "log" | "stdout" | "stderr", message: string): void;
}

export type TaskProcessOutcome =
  | { status: "succeeded"; result: unknown; outputFolder: string; exitCode: number }
  | { status: "failed"; error: string; traceback: string | null; exitCode: number | null; outputFolder: string }
  | { status: "timed_out"; outputFolder: string }
  | { status: "cancelled"; outputFolder: string };

/** The task's environment, from nothing: enough for Python to run, and nothing of the server's. */
export function taskEnvironment(folders: { home: string; helper: string; output: string }): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: folders.home,
    LANG: "C.UTF-8",
    PYTHONPATH: folders.helper,
    PYTHONNOUSERSITE: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
    GRANARY_OUTPUT_DIR: folders.output,
  };
}

/** Lines longer than this are cut: a task printing without newlines must not hold the whole of it in memory. */
const maxLineCharacters = 4000;

export function runTaskProcess(options: TaskProcessOptions): Promise<TaskProcessOutcome> {
  const home = path.join(options.workFolder, "home");
  const helper = path.join(options.workFolder, "helper");
  const output = path.join(options.workFolder, "output");
  for (const folder of [home, helper, output]) fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(helper, "granary_task.py"), helperModuleSource);
  const runner = path.join(helper, "granary_task_runner.py");
  fs.writeFileSync(runner, runnerScript);

  return new Promise((resolve) => {
    // -s: no user site; the helper comes through PYTHONPATH, the application from the environment's own site.
    const child: ChildProcess = spawn(
      environmentPython(options.environmentPath),
      ["-s", runner, options.entryPoint, String(Math.max(0, options.memoryLimitMebibytes) * 1024 * 1024)],
      { cwd: home, env: taskEnvironment({ home, helper, output }) as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe", "pipe"], detached: true },
    );
    let ended: "timed_out" | "cancelled" | null = null;
    let result: { value: unknown } | null = null;
    let failure: Extract<TaskMessage, { type: "error" }> | null = null;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const stop = (reason: "timed_out" | "cancelled") => {
      if (ended) return;
      ended = reason;
      killGroup();
    };
    const timer = setTimeout(() => stop("timed_out"), options.timeoutSeconds * 1000);
    const onAbort = () => stop("cancelled");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const lines = (stream: NodeJS.ReadableStream, each: (line: string) => void) => {
      const reader = readline.createInterface({ input: stream, crlfDelay: Infinity });
      reader.on("line", (line) => each(line.length > maxLineCharacters ? `${line.slice(0, maxLineCharacters)}…` : line));
      return new Promise<void>((done) => reader.once("close", () => done()));
    };
    const channel = child.stdio[3] as NodeJS.ReadableStream;
    const reading = Promise.all([
      lines(child.stdout!, (line) => options.onLog("stdout", line)),
      lines(child.stderr!, (line) => options.onLog("stderr", line)),
      lines(channel, (line) => {
        let message: TaskMessage;
        try {
          message = JSON.parse(line) as TaskMessage;
        } catch {
          options.onLog("stderr", line);
          return;
        }
        if (message.type === "progress") options.onProgress(Number(message.fraction) || 0, message.message ?? null);
        else if (message.type === "log") options.onLog("log", String(message.message));
        else if (message.type === "result") result = { value: message.value };
        else if (message.type === "error") failure = message;
      }),
    ]);
    child.stdin!.on("error", () => {});
    child.stdin!.end(JSON.stringify(options.input ?? null));

    let spawnError: Error | null = null;
    child.on("error", (error) => {
      spawnError = error;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // Whatever the task started in its group goes with it.
      killGroup();
      void reading.then(() => {
        if (ended) return resolve({ status: ended, outputFolder: output });
        if (spawnError) return resolve({ status: "failed", error: `Could not start the task: ${(spawnError as Error).message}`, traceback: null, exitCode: null, outputFolder: output });
        const reported = failure as Extract<TaskMessage, { type: "error" }> | null;
        if (reported) {
          const error =
            reported.errorType === "MemoryError"
              ? `The task went past its memory limit of ${options.memoryLimitMebibytes} MiB (MemoryError).`
              : `${reported.errorType}: ${reported.message}`;
          return resolve({ status: "failed", error, traceback: reported.traceback || null, exitCode: code, outputFolder: output });
        }
        const finished = result as { value: unknown } | null;
        if (code === 0 && finished) return resolve({ status: "succeeded", result: finished.value, outputFolder: output, exitCode: 0 });
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        return resolve({ status: "failed", error: `The task ${how} without a result.`, traceback: null, exitCode: code, outputFolder: output });
      });
    });
  });
}
