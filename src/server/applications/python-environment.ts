/**
 * The processes an application's install runs: git (a checkout of one exact commit, built into a wheel), `python -m
 * venv`, pip (from Granary's own index only) and a Python script in the new environment that imports each declared
 * task. Everything runs as a child process with an environment made here, never the server's own: no Granary secret
 * reaches pip, git or the application's code.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/env";
import { helperModuleSource } from "./granary-task-helper";

export interface CommandOutcome {
  code: number | null;
  output: string;
}

/** Output kept per command: pip's -v output of a large install stays readable, a runaway one does not fill the row. */
const maxOutputCharacters = 200_000;

export class InstallStepError extends Error {
  constructor(
    message: string,
    readonly output = "",
  ) {
    super(message);
    this.name = "InstallStepError";
  }
}

/** A child's environment: enough to run Python, pip and git, and nothing of the server's. */
export function childEnvironment(home: string): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C.UTF-8",
    // pip reads the machine's and the user's configuration (extra indexes) unless told not to.
    PIP_CONFIG_FILE: "/dev/null",
    PIP_NO_INPUT: "1",
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PYTHONNOUSERSITE: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
  };
}

/** Runs a command to its end, its stdout and stderr interleaved as they come; an aborted signal kills it. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string>; signal?: AbortSignal; redact?: readonly string[] },
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], signal: options.signal });
    let output = "";
    const append = (chunk: Buffer) => {
      if (output.length < maxOutputCharacters) output += chunk.toString("utf8");
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    child.on("error", (error) => {
      if (options.signal?.aborted) reject(options.signal.reason instanceof Error ? options.signal.reason : error);
      else reject(new InstallStepError(`Could not run ${command}: ${error.message}`));
    });
    child.on("close", (code) => {
      let text = output.length >= maxOutputCharacters ? `${output.slice(0, maxOutputCharacters)}\n[output cut at ${maxOutputCharacters} characters]\n` : output;
      for (const secret of options.redact ?? []) if (secret) text = text.split(secret).join("****");
      resolve({ code, output: text });
    });
  });
}

export function describeCommand(command: string, args: string[], redact: readonly string[] = []): string {
  let text = [command, ...args].join(" ");
  for (const secret of redact) if (secret) text = text.split(secret).join("****");
  return `$ ${text}\n`;
}

/**
 * The script run by the new environment's Python: each entry point of the group `granary.tasks` is imported (loaded)
 * in turn; what fails is reported with its module, error type, message and traceback, what imports with its
 * description (the callable's `description` attribute, else its docstring's first paragraph) and input schema (its
 * `input_schema` attribute: a dict, a JSON Schema). Then every installed distribution, as importlib.metadata sees it.
 * It prints one JSON document, after a marker, so whatever the application prints while importing is left aside.
 */
export const inspectionScript = String.raw`
import importlib.metadata as metadata
import inspect, json, sys, traceback

# The folder holding Granary's granary_task helper, so that tasks importing it at the top import here as they run.
if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])

MARKER = "----granary-inspection----"
tasks, errors = [], []
try:
    points = metadata.entry_points(group="granary.tasks")
except TypeError:
    points = metadata.entry_points().get("granary.tasks", [])
seen = set()
for point in sorted(points, key=lambda p: p.name):
    if point.name in seen:
        continue
    seen.add(point.name)
    module = point.value.split(":")[0].strip()
    try:
        task = point.load()
    except BaseException as error:
        errors.append({"task": point.name, "module": module, "type": type(error).__name__, "message": str(error),
                       "traceback": "".join(traceback.format_exception(type(error), error, error.__traceback__))})
        continue
    description = getattr(task, "description", None)
    if not isinstance(description, str):
        doc = inspect.getdoc(task) or ""
        description = doc.split("\n\n")[0].strip() or None
    schema = getattr(task, "input_schema", None)
    if schema is not None:
        try:
            json.dumps(schema)
        except (TypeError, ValueError):
            errors.append({"task": point.name, "module": module, "type": "InvalidInputSchema",
                           "message": "input_schema is not JSON: it must be a dict of JSON values", "traceback": ""})
            continue
        if not isinstance(schema, dict):
            errors.append({"task": point.name, "module": module, "type": "InvalidInputSchema",
                           "message": "input_schema must be a dict (a JSON Schema object)", "traceback": ""})
            continue
    tasks.append({"name": point.name, "entryPoint": point.value, "description": description, "inputSchema": schema})

distributions = {}
for distribution in metadata.distributions():
    name = distribution.metadata["Name"]
    if not name or name.lower() in distributions:
        continue
    location = getattr(distribution, "_path", None)
    distributions[name.lower()] = {"name": name, "version": distribution.version,
                                   "path": str(location) if location is not None else str(distribution.locate_file(""))}

sys.stdout.flush()
print(MARKER)
print(json.dumps({"tasks": tasks, "errors": errors, "distributions": sorted(distributions.values(), key=lambda d: d["name"].lower())}))
`;

export interface InspectedTask {
  name: string;
  entryPoint: string;
  description: string | null;
  inputSchema: Record<string, unknown> | null;
}

export interface InspectedImportError {
  task: string;
  module: string;
  type: string;
  message: string;
  traceback: string;
}

export interface InspectedDistribution {
  name: string;
  version: string;
  path: string;
}

export interface Inspection {
  tasks: InspectedTask[];
  errors: InspectedImportError[];
  distributions: InspectedDistribution[];
}

const inspectionMarker = "----granary-inspection----";

export function environmentPython(environmentPath: string): string {
  return path.join(environmentPath, "bin", "python");
}

/** Imports the declared tasks in a subprocess of the environment (its own working folder), and lists its distributions. */
export async function inspectEnvironment(environmentPath: string, workFolder: string, signal?: AbortSignal): Promise<{ inspection: Inspection; output: string }> {
  const script = path.join(workFolder, "granary_inspect_tasks.py");
  fs.writeFileSync(script, inspectionScript);
  const sandbox = path.join(workFolder, "inspection");
  fs.mkdirSync(sandbox, { recursive: true });
  const helper = path.join(workFolder, "inspection-helper");
  fs.mkdirSync(helper, { recursive: true });
  fs.writeFileSync(path.join(helper, "granary_task.py"), helperModuleSource);
  // -I: isolated mode, so neither the working folder nor PYTHON* variables shape what imports.
  const outcome = await runCommand(environmentPython(environmentPath), ["-I", script, helper], { cwd: sandbox, env: childEnvironment(sandbox), signal });
  const at = outcome.output.lastIndexOf(inspectionMarker);
  if (outcome.code !== 0 || at < 0) throw new InstallStepError("Checking the tasks' imports failed: the environment's Python did not finish the check.", outcome.output);
  const printed = outcome.output.slice(0, at);
  const inspection = JSON.parse(outcome.output.slice(at + inspectionMarker.length).trim()) as Inspection;
  return { inspection, output: printed };
}

/** The Python that makes environments (APPLICATIONS_PYTHON). */
export function basePython(): string {
  return env.APPLICATIONS_PYTHON;
}
