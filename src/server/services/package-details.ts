/**
 * What a package page tells beside its files, read from the metadata the formats stored for each file: the
 * project's addresses, its author, Requires-Python, the dependencies of its latest version, its release history
 * and platforms. Pure functions over the stored rows, so the page and the CLI read the same facts.
 */
import type { FileType } from "../db/schema";

export interface DetailFile {
  fileType: FileType;
  filename: string;
  subdir: string;
  version: string;
  requiresPython: string | null;
  createdAt: Date;
  metadata: Record<string, unknown>;
  /** PEP 592: null unless the file's release is yanked, then the reason ("" when none was given). */
  yankedReason?: string | null;
}

export interface ProjectUrl {
  label: string;
  url: string;
}

export interface Dependency {
  /** Where the requirement comes from: a conda package's `depends`, a wheel's or sdist's `Requires-Dist`, an environment file. */
  kind: "conda" | "python";
  /** The requirement as the file states it, e.g. `numpy >=1.20` or `requests>=2; extra == "socks"`. */
  spec: string;
  /** The package it names, as written. */
  name: string;
  /** The optional feature (extra) that pulls it in, for Requires-Dist entries with an `extra ==` marker. */
  extra: string | null;
}

export interface Release {
  version: string;
  /** When its first file was uploaded. */
  uploadedAt: Date;
  files: number;
  yanked: { reason: string } | null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string" && item.trim() !== "").map((item) => item.trim()) : [];
}

/** Only web addresses become links: a `javascript:` or `file:` URL in uploaded metadata is left out. */
function webUrl(value: unknown): string | null {
  const candidate = text(value);
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
  } catch {
    return null;
  }
}

function about(file: DetailFile): Record<string, unknown> {
  const value = file.metadata.about;
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The files of the package's latest version (all of them when none carries it: the newest version then). */
export function latestFiles(files: readonly DetailFile[], latestVersion: string | null): DetailFile[] {
  const ofLatest = files.filter((file) => file.version === latestVersion);
  if (ofLatest.length > 0) return ofLatest;
  const newest = [...files].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
  return newest ? files.filter((file) => file.version === newest.version) : [];
}

/** Home page, source, documentation and the rest, from core metadata's Home-page and Project-URL and conda's about.json. */
export function projectUrls(files: readonly DetailFile[], homepage: string | null): ProjectUrl[] {
  const found: ProjectUrl[] = [];
  const add = (label: string, value: unknown) => {
    const url = webUrl(value);
    if (url && !found.some((entry) => entry.url === url)) found.push({ label, url });
  };
  add("Homepage", homepage);
  for (const file of files) {
    add("Homepage", file.metadata.home_page);
    for (const entry of strings(file.metadata.project_url)) {
      const comma = entry.indexOf(",");
      if (comma > 0) add(entry.slice(0, comma).trim().slice(0, 60), entry.slice(comma + 1).trim());
    }
    add("Download", file.metadata.download_url);
    const conda = about(file);
    add("Homepage", conda.home);
    add("Source", conda.dev_url);
    add("Documentation", conda.doc_url);
  }
  return found;
}

/** The author's name (never an address: the page is public), from Author, Maintainer or the name in Author-email. */
export function authorOf(files: readonly DetailFile[]): string | null {
  for (const file of files) {
    const named = text(file.metadata.author) ?? text(file.metadata.maintainer);
    if (named) return named.slice(0, 200);
    const email = text(file.metadata.author_email) ?? text(file.metadata.maintainer_email);
    // PEP 621 writes "Jane Doe <jane@example.org>, Joe <joe@example.org>": keep the names only.
    const names = email
      ?.split(",")
      .map((entry) => entry.replace(/<[^>]*>/g, "").replace(/"/g, "").trim())
      .filter((entry) => entry !== "" && !entry.includes("@"));
    if (names && names.length > 0) return names.join(", ").slice(0, 200);
  }
  return null;
}

export function requiresPythonOf(files: readonly DetailFile[]): string | null {
  for (const file of files) if (file.requiresPython) return file.requiresPython;
  return null;
}

const requirementName = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/** A PEP 508 requirement: its name and, when its marker says `extra == "x"`, the extra. */
function pythonDependency(spec: string): Dependency | null {
  const name = requirementName.exec(spec)?.[1];
  if (!name) return null;
  const extra = /extra\s*==\s*["']([^"']+)["']/.exec(spec.slice(spec.indexOf(";") + 1))?.[1] ?? null;
  return { kind: "python", spec, name, extra: spec.includes(";") ? extra : null };
}

/** A conda match spec: `numpy >=1.20`, `conda-forge::numpy`, `python_abi 3.11.* *_cp311`. */
function condaDependency(spec: string): Dependency | null {
  const first = spec.trim().split(/\s+/)[0] ?? "";
  const name = first.includes("::") ? first.slice(first.lastIndexOf("::") + 2) : first;
  const match = requirementName.exec(name.replace(/[<>=!~].*$/, ""));
  return match?.[1] ? { kind: "conda", spec: spec.trim(), name: match[1], extra: null } : null;
}

/** The requirements of the given files (the latest version's), each once, conda ones first. */
export function dependenciesOf(files: readonly DetailFile[]): Dependency[] {
  const found = new Map<string, Dependency>();
  const add = (dependency: Dependency | null) => {
    if (dependency && !found.has(`${dependency.kind} ${dependency.spec}`)) found.set(`${dependency.kind} ${dependency.spec}`, dependency);
  };
  for (const file of files.filter((candidate) => candidate.fileType === "conda")) for (const spec of strings(file.metadata.depends)) add(condaDependency(spec));
  for (const file of files.filter((candidate) => candidate.fileType === "wheel" || candidate.fileType === "sdist")) {
    for (const spec of strings(file.metadata.requires_dist)) add(pythonDependency(spec));
  }
  for (const file of files.filter((candidate) => candidate.fileType === "environment")) {
    for (const entry of Array.isArray(file.metadata.dependencies) ? file.metadata.dependencies : []) {
      if (typeof entry === "string") add(condaDependency(entry));
      else if (entry && typeof entry === "object" && "pip" in entry) for (const spec of strings((entry as { pip: unknown }).pip)) add(pythonDependency(spec));
    }
  }
  return [...found.values()];
}

/** Every version with when it was first published, newest first. */
export function releasesOf(files: readonly DetailFile[]): Release[] {
  const releases = new Map<string, Release>();
  for (const file of files) {
    const release = releases.get(file.version);
    if (!release) {
      const yanked = file.yankedReason === null || file.yankedReason === undefined ? null : { reason: file.yankedReason };
      releases.set(file.version, { version: file.version, uploadedAt: file.createdAt, files: 1, yanked });
    }
    else {
      release.files += 1;
      if (file.createdAt < release.uploadedAt) release.uploadedAt = file.createdAt;
    }
  }
  return [...releases.values()].sort((a, b) => b.uploadedAt.getTime() - a.uploadedAt.getTime() || b.version.localeCompare(a.version, "en", { numeric: true }));
}

/** Where a file installs: a conda subdir, a wheel's platform tag (`any` for pure Python), `source` for an sdist. */
export function platformOf(file: Pick<DetailFile, "fileType" | "filename" | "subdir">): string {
  if (file.fileType === "wheel") return /-([^-]+)\.whl$/.exec(file.filename)?.[1] ?? "any";
  if (file.fileType === "sdist") return "source";
  if (file.fileType === "notebook") return "notebook";
  if (file.fileType === "environment") return "environment";
  return file.subdir;
}
