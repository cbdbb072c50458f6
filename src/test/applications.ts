/**
 * Application projects for tests: a setuptools project whose modules and `granary.tasks` entry points the test
 * writes, built into a wheel with Debian's `python3 -m build` (the test's own source tree, nothing checked in), or
 * committed to a Git repository for a Git source.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { debianPython } from "./tools";

export interface ApplicationProject {
  name: string;
  version: string;
  /** Python modules of the package, by file name under the package folder (`tasks.py`), and their source. */
  modules: Record<string, string>;
  /** Task name to entry point value (`module:attribute`). */
  tasks?: Record<string, string>;
  dependencies?: string[];
}

export function packageModuleName(name: string): string {
  return name.replace(/[-.]/g, "_").toLowerCase();
}

/** Writes the project's source tree into `folder` (made if missing) and returns it. */
export function writeApplicationProject(project: ApplicationProject, folder: string): string {
  const moduleName = packageModuleName(project.name);
  fs.mkdirSync(path.join(folder, moduleName), { recursive: true });
  fs.writeFileSync(path.join(folder, moduleName, "__init__.py"), `__version__ = "${project.version}"\n`);
  for (const [file, source] of Object.entries(project.modules)) fs.writeFileSync(path.join(folder, moduleName, file), source);
  const entryPoints = Object.entries(project.tasks ?? {}).map(([task, value]) => `${task} = "${value}"`);
  fs.writeFileSync(
    path.join(folder, "pyproject.toml"),
    [
      "[build-system]",
      'requires = ["setuptools", "wheel"]',
      'build-backend = "setuptools.build_meta"',
      "",
      "[project]",
      `name = "${project.name}"`,
      `version = "${project.version}"`,
      `description = "${project.name} for Granary's tests"`,
      'requires-python = ">=3.8"',
      `dependencies = [${(project.dependencies ?? []).map((dependency) => JSON.stringify(dependency)).join(", ")}]`,
      "",
      ...(entryPoints.length ? ['[project.entry-points."granary.tasks"]', ...entryPoints, ""] : []),
      "[tool.setuptools]",
      `packages = ["${moduleName}"]`,
      "",
    ].join("\n"),
  );
  return folder;
}

/** Builds the project's wheel into `outputDirectory` and returns its path. */
export function buildApplicationWheel(project: ApplicationProject, outputDirectory: string): string {
  const source = writeApplicationProject(project, fs.mkdtempSync(path.join(outputDirectory, `project-${project.name}-`)));
  const dist = path.join(source, "dist");
  execFileSync(debianPython, ["-m", "build", "--no-isolation", "--wheel", "--outdir", dist, source], {
    cwd: source,
    stdio: "pipe",
    env: { ...process.env, SOURCE_DATE_EPOCH: "1700000000" },
  });
  const wheel = fs.readdirSync(dist).find((file) => file.endsWith(".whl"));
  if (!wheel) throw new Error(`python -m build made no wheel for ${project.name}`);
  fs.renameSync(path.join(dist, wheel), path.join(outputDirectory, wheel));
  fs.rmSync(source, { recursive: true, force: true });
  return path.join(outputDirectory, wheel);
}

const gitIdentity = ["-c", "user.name=Granary Tests", "-c", "user.email=tests@granary.test", "-c", "commit.gpgsign=false"];

/** Commits the project's tree on `branch` of the repository at `repository` (made if missing); returns the commit. */
export function commitApplicationProject(project: ApplicationProject, repository: string, branch = "main", message = `${project.name} ${project.version}`): string {
  if (!fs.existsSync(path.join(repository, ".git"))) {
    fs.mkdirSync(repository, { recursive: true });
    execFileSync("git", ["init", "--quiet", "--initial-branch", branch, repository]);
  }
  for (const entry of fs.readdirSync(repository)) if (entry !== ".git") fs.rmSync(path.join(repository, entry), { recursive: true, force: true });
  writeApplicationProject(project, repository);
  execFileSync("git", ["-C", repository, "add", "--all"]);
  execFileSync("git", ["-C", repository, ...gitIdentity, "commit", "--quiet", "--allow-empty", "-m", message]);
  return execFileSync("git", ["-C", repository, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
}

/**
 * Tasks that do work, for running tasks (`workTasks`): `report` reports progress, logs, prints, writes a file to its
 * output folder and returns JSON; `wait` sleeps (cancel, timeout); `allocate` takes memory (the memory limit);
 * `environment` returns its environment's variable names (no secrets). All import granary_task at the top.
 */
export const workTasksModule = [
  "import os, time",
  "from granary_task import log, output_dir, progress",
  "",
  "def report(data):",
  '    """Counts to n, reporting its progress, and writes the numbers to a file."""',
  '    n = data["n"]',
  "    for step in range(n):",
  '        progress((step + 1) / n, "step %d of %d" % (step + 1, n))',
  '        log("step %d" % (step + 1))',
  '    print("printed on stdout")',
  '    with open(os.path.join(output_dir(), "numbers.txt"), "w") as out:',
  '        out.write("\\n".join(str(number) for number in range(n)) + "\\n")',
  '    return {"total": sum(range(n)), "label": data.get("label", "none")}',
  "",
  'report.input_schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1, "maximum": 1000}, "label": {"type": "string"}, "mode": {"enum": ["fast", "slow"]}, "loud": {"type": "boolean"}}, "required": ["n"]}',
  "",
  "def wait(data):",
  '    """Sleeps for a while."""',
  '    log("waiting")',
  '    time.sleep(data.get("seconds", 120))',
  '    return {"waited": True}',
  "",
  'wait.input_schema = {"type": "object", "properties": {"seconds": {"type": "number"}}}',
  "",
  "def allocate(data):",
  '    """Takes memory."""',
  '    log("allocating")',
  '    block = bytearray(data["mebibytes"] * 1024 * 1024)',
  '    return {"allocated": len(block)}',
  "",
  "def environment(data):",
  '    """Returns the names of its environment variables."""',
  '    return {"keys": sorted(os.environ)}',
  "",
].join("\n");

/** The test application: two tasks with schemas (one using a dependency published on the instance), one that fails to import. */
export function demoApplication(version: string, options: { broken?: boolean; helper?: string; workTasks?: boolean } = {}): ApplicationProject {
  const helper = options.helper ?? "granary-demo-helper";
  const helperModule = packageModuleName(helper);
  if (options.broken) {
    return {
      name: "granary-demo-app",
      version,
      dependencies: [`${helper}>=1.0`],
      modules: {
        "greet.py": "import granary_module_that_does_not_exist\n",
        "count.py": 'raise RuntimeError("count cannot start in this version")\n',
      },
      tasks: { greet: "granary_demo_app.greet:greet", count: "granary_demo_app.count:count" },
    };
  }
  return {
    name: "granary-demo-app",
    version,
    dependencies: [`${helper}>=1.0`],
    modules: {
      "greet.py": [
        `from ${helperModule} import greeting`,
        "",
        "def greet(data):",
        '    return {"greeting": greeting(data["name"])}',
        "",
        'greet.description = "Greets someone by name"',
        'greet.input_schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}',
        "",
      ].join("\n"),
      "count.py": [
        "def count(data):",
        '    """Counts the words of a text.',
        "",
        '    Longer explanation that is not the description."""',
        '    return {"words": len(data["text"].split())}',
        "",
        'count.input_schema = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}',
        "",
      ].join("\n"),
      "broken.py": "import granary_module_that_does_not_exist\n\ndef run(data):\n    return {}\n",
      ...(options.workTasks ? { "work.py": workTasksModule } : {}),
    },
    tasks: {
      greet: "granary_demo_app.greet:greet",
      count: "granary_demo_app.count:count",
      broken: "granary_demo_app.broken:run",
      ...(options.workTasks
        ? { report: "granary_demo_app.work:report", wait: "granary_demo_app.work:wait", allocate: "granary_demo_app.work:allocate", environment: "granary_demo_app.work:environment" }
        : {}),
    },
  };
}

export function demoHelper(version = "1.0", name = "granary-demo-helper"): ApplicationProject {
  return {
    name,
    version,
    modules: { "__init__.py": `__version__ = "${version}"\n\ndef greeting(name):\n    return "Hello, " + name + "!"\n` },
  };
}
