/**
 * Builds real package files for tests with the same tools publishers use: Debian's conda-package-handling
 * (`cph`) for conda packages and `python3 -m build` for wheels and sdists. Nothing is checked in: every run
 * builds its own, deterministically, into a folder the caller owns.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { debianPython } from "./tools";

/** The tools the fixtures run (zstd is also what the server checks .conda packages with); test files that build
 * fixtures call requireTools (tools.ts) first. */
export const packageTools = {
  cph: "/usr/bin/cph",
  debianPython,
  zstd: "/usr/bin/zstd",
} as const;

export interface CondaRecipe {
  name: string;
  version: string;
  build?: string;
  buildNumber?: number;
  subdir?: string;
  depends?: string[];
  summary?: string;
  license?: string;
}

/** Builds `<name>-<version>-<build>.<format>` and returns its path. */
export function buildCondaPackage(recipe: CondaRecipe, outputDirectory: string, format: "tar.bz2" | "conda" = "tar.bz2"): string {
  const build = recipe.build ?? "py_0";
  const subdir = recipe.subdir ?? "noarch";
  const moduleName = recipe.name.replace(/-/g, "_");
  const source = fs.mkdtempSync(path.join(outputDirectory, `src-${recipe.name}-`));
  fs.mkdirSync(path.join(source, "info"), { recursive: true });
  fs.mkdirSync(path.join(source, "site-packages", moduleName), { recursive: true });
  const payload = `site-packages/${moduleName}/__init__.py`;
  const payloadBytes = Buffer.from(`__version__ = "${recipe.version}"\n`);
  fs.writeFileSync(path.join(source, payload), payloadBytes);
  const index: Record<string, unknown> = {
    name: recipe.name,
    version: recipe.version,
    build,
    build_number: recipe.buildNumber ?? 0,
    depends: recipe.depends ?? [],
    license: recipe.license ?? "MIT",
    subdir,
    timestamp: 1_700_000_000_000,
    ...(subdir === "noarch" ? { noarch: "python" } : { platform: subdir.split("-")[0] ?? null, arch: subdir.split("-")[1] ?? null }),
  };
  fs.writeFileSync(path.join(source, "info", "index.json"), JSON.stringify(index, null, 2));
  fs.writeFileSync(
    path.join(source, "info", "about.json"),
    JSON.stringify({ summary: recipe.summary ?? `${recipe.name} for tests`, license: index.license, home: "https://example.org" }),
  );
  fs.writeFileSync(path.join(source, "info", "files"), `${payload}\n`);
  // As conda-build writes it: the server checks the payload against these.
  const sha256 = createHash("sha256").update(payloadBytes).digest("hex");
  fs.writeFileSync(
    path.join(source, "info", "paths.json"),
    JSON.stringify({ paths: [{ _path: payload, path_type: "hardlink", sha256, size_in_bytes: payloadBytes.length }], paths_version: 1 }),
  );
  const filename = `${recipe.name}-${recipe.version}-${build}.${format}`;
  execFileSync(packageTools.cph, ["create", source, filename, "--out-folder", outputDirectory], { cwd: outputDirectory, stdio: "pipe" });
  fs.rmSync(source, { recursive: true, force: true });
  return path.join(outputDirectory, filename);
}

export interface PythonRecipe {
  name: string;
  version: string;
  summary?: string;
  readme?: string;
  requiresPython?: string;
  dependencies?: string[];
}

/** Builds a wheel and an sdist from a minimal setuptools project; returns both paths. */
export function buildPythonDistributions(recipe: PythonRecipe, outputDirectory: string): { wheel: string; sdist: string } {
  const project = fs.mkdtempSync(path.join(outputDirectory, `project-${recipe.name}-`));
  const moduleName = recipe.name.replace(/[-.]/g, "_").toLowerCase();
  fs.mkdirSync(path.join(project, moduleName));
  fs.writeFileSync(path.join(project, moduleName, "__init__.py"), `__version__ = "${recipe.version}"\n`);
  fs.writeFileSync(path.join(project, "README.md"), recipe.readme ?? `# ${recipe.name}\n\nA package built for **Granary's** tests.\n`);
  const dependencies = (recipe.dependencies ?? []).map((dependency) => JSON.stringify(dependency)).join(", ");
  fs.writeFileSync(
    path.join(project, "pyproject.toml"),
    [
      "[build-system]",
      'requires = ["setuptools", "wheel"]',
      'build-backend = "setuptools.build_meta"',
      "",
      "[project]",
      `name = "${recipe.name}"`,
      `version = "${recipe.version}"`,
      `description = "${recipe.summary ?? `${recipe.name} for tests`}"`,
      'readme = "README.md"',
      `requires-python = "${recipe.requiresPython ?? ">=3.8"}"`,
      `dependencies = [${dependencies}]`,
      "",
      "[tool.setuptools]",
      `packages = ["${moduleName}"]`,
      "",
    ].join("\n"),
  );
  const distDirectory = path.join(project, "dist");
  execFileSync(packageTools.debianPython, ["-m", "build", "--no-isolation", "--outdir", distDirectory, project], {
    cwd: project,
    stdio: "pipe",
    // Fixed timestamps make the archives repeatable.
    env: { ...process.env, SOURCE_DATE_EPOCH: "1700000000" },
  });
  const built = fs.readdirSync(distDirectory);
  const wheelName = built.find((file) => file.endsWith(".whl"));
  const sdistName = built.find((file) => file.endsWith(".tar.gz"));
  if (!wheelName || !sdistName) throw new Error(`python -m build produced ${built.join(", ")}`);
  const wheel = path.join(outputDirectory, wheelName);
  const sdist = path.join(outputDirectory, sdistName);
  fs.renameSync(path.join(distDirectory, wheelName), wheel);
  fs.renameSync(path.join(distDirectory, sdistName), sdist);
  fs.rmSync(project, { recursive: true, force: true });
  return { wheel, sdist };
}

export function writeNotebook(outputDirectory: string, filename = "analysis.ipynb", title = "Quarterly analysis"): string {
  const notebook = {
    cells: [
      { cell_type: "markdown", metadata: {}, source: [`# ${title}\n`, "Numbers, plotted.\n"] },
      { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: ["print(1 + 1)\n"] },
    ],
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" }, language_info: { name: "python" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const file = path.join(outputDirectory, filename);
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
  return file;
}

export function writeEnvironment(outputDirectory: string, name = "analysis-env", filename = "environment.yml"): string {
  const file = path.join(outputDirectory, filename);
  fs.writeFileSync(file, [`name: ${name}`, "channels:", "  - conda-forge", "dependencies:", "  - python=3.11", "  - numpy", "  - pip:", "    - requests", ""].join("\n"));
  return file;
}
