/**
 * The programs test files drive (package builders and real package clients), and the Debian packages that provide
 * them: the same list scripts/test-prerequisites.sh installs before `npm test`. A test file that needs one calls
 * requireTools at its top: when a tool is missing the whole file fails at once, naming the command that installs
 * it. Tests never skip for want of a tool, in CI or anywhere else.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

/** Debian's own python3, with the build modules and pip that its packages add. */
export const debianPython = "/usr/bin/python3";

const tools = {
  cph: { packages: ["conda-package-handling"], present: () => fs.existsSync("/usr/bin/cph") },
  zstd: { packages: ["zstd"], present: () => fs.existsSync("/usr/bin/zstd") },
  bzip2: { packages: ["bzip2"], present: () => fs.existsSync("/usr/bin/bzip2") },
  pythonBuild: {
    packages: ["python3-build", "python3-setuptools", "python3-wheel"],
    present: () => fs.existsSync(debianPython) && spawnSync(debianPython, ["-c", "import build, setuptools, wheel"]).status === 0,
  },
  pip: { packages: ["python3-pip"], present: () => runs([debianPython, "-m", "pip", "--version"]) },
  /** `python3 -m venv` with ensurepip, which makes applications' environments. */
  venv: { packages: ["python3-venv"], present: () => runs([debianPython, "-c", "import ensurepip, venv"]) },
  git: { packages: ["git"], present: () => runs(["git", "--version"]) },
  twine: { packages: ["twine"], present: () => runs(["twine", "--version"]) },
  poetry: { packages: ["python3-poetry"], present: () => runs(["poetry", "--version"]) },
  slapd: { packages: ["slapd", "ldap-utils"], present: () => fs.existsSync("/usr/sbin/slapd") && fs.existsSync("/usr/sbin/slapadd") },
  openssl: { packages: ["openssl"], present: () => fs.existsSync("/usr/bin/openssl") },
  pgDump: { packages: ["postgresql-client"], present: () => fs.existsSync("/usr/bin/pg_dump") },
} as const;

export type TestTool = keyof typeof tools;

function runs([command, ...args]: string[]): boolean {
  const result = spawnSync(command!, args, { stdio: "ignore", timeout: 60_000 });
  return result.error === undefined && result.status === 0;
}

/** Throws, failing the calling test file, unless every tool is installed. */
export function requireTools(...names: TestTool[]): void {
  const missing = names.filter((name) => !tools[name].present());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((name) => tools[name].packages))].join(" ");
  throw new Error(`These tests need ${missing.join(", ")}, which ${missing.length === 1 ? "is" : "are"} not installed. Run, as root: apt-get install -y ${packages}`);
}
