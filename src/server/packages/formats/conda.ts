import { stat } from "node:fs/promises";
import type { Entry } from "yauzl";
import { condaSubdirs } from "../../../shared/reserved-names";
import { AppError } from "../../errors";
import { scanBzip2File } from "./bzip2";
import {
  decodeUtf8,
  FileProblems,
  isPlainObject,
  parseJsonText,
  scanBudget,
  textOrNull,
  webUrlOrNull,
  type ParseLimits,
} from "./problems";
import { TarScanner } from "./tar";
import type { ParsedDistribution } from "./types";
import { withZip, type ZipArchive } from "./zip";
import { decompressZstd } from "./zstd";

const indexPath = "info/index.json";
const aboutPath = "info/about.json";
const pathsPath = "info/paths.json";
const collectedPaths = new Set([indexPath, aboutPath, pathsPath]);

/** about.json fields worth keeping: channeldata.json's per-package facts. The rest describes the build machine. */
const aboutKeys = [
  "summary",
  "license",
  "license_family",
  "home",
  "dev_url",
  "doc_url",
  "doc_source_url",
  "source_url",
  "keywords",
  "tags",
  "identifiers",
] as const;

const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const versionPattern = /^[A-Za-z0-9_.+!]+$/;
const buildPattern = /^[A-Za-z0-9_.+]+$/;
const sha256Pattern = /^[0-9a-f]{64}$/i;

interface PayloadFile {
  sha256: Buffer;
  size: number;
}

/**
 * What the tarballs of one package hold: the info/ members Granary reads, and the sha256 and size of every
 * payload file (a few dozen bytes per file, never the data), so info/paths.json can be checked once all of it
 * has streamed by, in whatever order the tarballs put things.
 */
class CondaContents {
  readonly collected = new Map<string, Buffer>();
  private readonly files = new Map<string, PayloadFile>();
  private readonly hardlinks = new Map<string, string>();
  private readonly symlinks = new Set<string>();

  constructor(
    private readonly problems: FileProblems,
    private readonly maxMetadataBytes: number,
  ) {}

  /** A scanner for one tarball; `record` false checks it without letting it speak for the payload. */
  scanner(label: string, record = true): TarScanner {
    return new TarScanner({
      problems: this.problems,
      label,
      maxMemberBytes: this.maxMetadataBytes,
      onEntry: (entry) => {
        if (!record) return "skip";
        if (entry.path === "info" || entry.path.startsWith("info/")) {
          return entry.type === "file" && collectedPaths.has(entry.path) && !this.collected.has(entry.path) ? "collect" : "skip";
        }
        if (entry.type === "hardlink" && entry.linkTarget !== null) this.hardlinks.set(entry.path, entry.linkTarget);
        if (entry.type === "symlink") this.symlinks.add(entry.path);
        return entry.type === "file" ? "hash" : "skip";
      },
      onMember: (entry, data) => {
        this.collected.set(entry.path, data);
        return true;
      },
      onHashed: (entry, sha256) => {
        this.files.set(entry.path, { sha256, size: entry.size });
      },
    });
  }

  /** A regular file of the payload, through a tar hard link if it is one (tar stores hard links as references). */
  private fileAt(path: string): PayloadFile | undefined {
    let current = path;
    for (let hops = 0; hops < 8; hops++) {
      const file = this.files.get(current);
      if (file) return file;
      const target = this.hardlinks.get(current);
      if (target === undefined) return undefined;
      current = target;
    }
    return undefined;
  }

  /**
   * conda checks every file it links against info/paths.json's sha256 and size_in_bytes (when the package
   * gives them), so a payload that disagrees fails on every client. Only regular files are compared: a
   * softlink's sha256 is that of whatever it points at once installed.
   */
  checkPaths(payloadLabel: string): void {
    const raw = this.collected.get(pathsPath);
    if (!raw) return;
    const paths = parseJsonText(decodeUtf8(raw, this.problems, pathsPath), this.problems, pathsPath);
    if (!isPlainObject(paths) || !Array.isArray(paths.paths)) throw this.problems.metadata(pathsPath, "has no paths list");
    for (const item of paths.paths as unknown[]) {
      if (!isPlainObject(item) || typeof item._path !== "string") throw this.problems.metadata(pathsPath, "has an entry without a _path");
      const path = item._path;
      if ((item.path_type ?? "hardlink") !== "hardlink") continue;
      const { sha256, size_in_bytes: size } = item;
      if (sha256 !== undefined && (typeof sha256 !== "string" || !sha256Pattern.test(sha256))) {
        throw this.problems.metadata(pathsPath, `gives ${path} a sha256 that is not 64 hexadecimal digits`);
      }
      if (size !== undefined && (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)) {
        throw this.problems.metadata(pathsPath, `gives ${path} a size_in_bytes that is not a non-negative integer`);
      }
      if (sha256 === undefined && size === undefined) continue;
      const file = this.fileAt(path);
      if (!file) {
        const what = this.symlinks.has(path) ? "a symbolic link" : "not a file";
        throw this.problems.invalid(`${pathsPath} lists ${path}, which is ${what} in ${payloadLabel}`);
      }
      if (size !== undefined && file.size !== size) throw this.problems.invalid(`${path} is ${file.size} bytes, but ${pathsPath} says ${size}`);
      if (sha256 !== undefined && file.sha256.toString("hex") !== sha256.toLowerCase()) throw this.problems.invalid(`${path} fails its ${pathsPath} sha256`);
    }
  }
}

/** conda v1: a bzip2-compressed tarball with info/ beside the payload, decoded to its end (every block's CRC). */
export async function parseCondaTarBz2(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, ".tar.bz2");
  const { size } = await stat(filePath);
  const contents = new CondaContents(problems, limits.maxMetadataBytes);
  const scanner = contents.scanner("the package tarball");
  // The scanner is done at the tar's end marker, but the bzip2 stream is still read to its end and checksum.
  const decodeToTheEnd = (chunk: Uint8Array) => {
    scanner.push(chunk);
    return true;
  };
  await scanBzip2File(filePath, decodeToTheEnd, scanBudget(size), problems);
  scanner.finish();
  const parsed = interpretCondaInfo(contents, problems, filename, ".tar.bz2");
  contents.checkPaths("the package");
  return parsed;
}

/**
 * conda v2: a zip of metadata.json, info-<stem>.tar.zst and pkg-<stem>.tar.zst. The info tarball is read
 * first, so a package whose metadata is wrong is refused before its payload is decoded; then every member is
 * checked to its end.
 */
export async function parseConda(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, ".conda");
  const stem = filename.slice(0, -".conda".length);
  return withZip(filePath, problems, async (zip) => {
    const entries = await zip.entries();
    const infoTarballs = entries.filter((entry) => /^info-.+\.tar\.zst$/.test(entry.fileName));
    const payloadTarballs = entries.filter((entry) => /^pkg-.+\.tar\.zst$/.test(entry.fileName));
    const expectedInfo = `info-${stem}.tar.zst`;
    const expectedPayload = `pkg-${stem}.tar.zst`;
    // With a single info tarball under another name, reading it anyway lets the index.json check explain the
    // mismatch in terms of name, version and build rather than member names.
    const info = infoTarballs.find((entry) => entry.fileName === expectedInfo) ?? (infoTarballs.length === 1 ? infoTarballs[0] : undefined);
    if (!info) throw problems.invalid(infoTarballs.length === 0 ? "it has no info-*.tar.zst" : `it has no ${expectedInfo}`);
    if (payloadTarballs.length === 0) throw problems.invalid("it has no pkg-*.tar.zst");

    const formatEntry = entries.find((entry) => entry.fileName === "metadata.json");
    if (formatEntry) {
      const format = parseJsonText(decodeUtf8(await zip.read(formatEntry, limits.maxMetadataBytes), problems, "metadata.json"), problems, "metadata.json");
      if (!isPlainObject(format) || format.conda_pkg_format_version !== 2) {
        throw problems.invalid("its metadata.json does not declare conda_pkg_format_version 2");
      }
    }

    const contents = new CondaContents(problems, limits.maxMetadataBytes);
    await readTarball(zip, info, contents.scanner(info.fileName), problems);
    const parsed = interpretCondaInfo(contents, problems, filename, ".conda");
    // conda finds the members by the file's own name, so renamed members make the package uninstallable.
    if (info.fileName !== expectedInfo) throw problems.invalid(`its info tarball is named ${info.fileName}, but conda looks for ${expectedInfo}`);
    const payload = payloadTarballs.find((entry) => entry.fileName === expectedPayload);
    if (!payload) throw problems.invalid(`it has no ${expectedPayload}`);

    for (const entry of entries) {
      if (entry === info || entry === formatEntry) continue;
      if (entry.fileName.endsWith(".tar.zst")) await readTarball(zip, entry, contents.scanner(entry.fileName, entry === payload), problems);
      else await zip.verify(entry);
    }
    contents.checkPaths(expectedPayload);
    return parsed;
  });
}

/** Decodes one inner tarball to its end through a scanner, which checks it is a whole, well-formed tar. */
async function readTarball(zip: ZipArchive, entry: Entry, scanner: TarScanner, problems: FileProblems): Promise<void> {
  try {
    await decompressZstd(zip.bytes(entry), (chunk) => scanner.push(chunk), { budget: scanBudget(entry.compressedSize), problems, label: entry.fileName });
    scanner.finish();
  } catch (error) {
    // A damaged zip member first shows as whatever it broke further in (a zstd block, a tar header) before its
    // CRC-32 could be checked at its end: when the member itself fails, that is the problem to name.
    if (error instanceof AppError) await zip.verify(entry);
    throw error;
  }
}

function interpretCondaInfo(contents: CondaContents, problems: FileProblems, filename: string, extension: string): ParsedDistribution {
  const indexBytes = contents.collected.get(indexPath);
  if (!indexBytes) throw problems.invalid(`it has no ${indexPath}`);
  const index = parseJsonText(decodeUtf8(indexBytes, problems, indexPath), problems, indexPath);
  if (!isPlainObject(index)) throw problems.metadata(indexPath, "is not a JSON object");

  const requireText = (key: string, pattern: RegExp): string => {
    const value = index[key];
    if (value === undefined || value === null || value === "") throw problems.metadata(indexPath, `has no ${key}`);
    if (typeof value !== "string") throw problems.metadata(indexPath, `has a ${key} that is not a string`);
    if (!pattern.test(value)) throw problems.metadata(indexPath, `has a ${key} (${value}) with characters conda does not allow`);
    return value;
  };
  const name = requireText("name", namePattern);
  const version = requireText("version", versionPattern);
  const build = requireText("build", buildPattern);
  const buildNumber = index.build_number;
  if (buildNumber === undefined) throw problems.metadata(indexPath, "has no build_number");
  if (typeof buildNumber !== "number" || !Number.isSafeInteger(buildNumber) || buildNumber < 0) {
    throw problems.metadata(indexPath, "has a build_number that is not a non-negative integer");
  }

  const expectedFilename = `${name}-${version}-${build}${extension}`;
  if (filename !== expectedFilename) {
    throw problems.mismatch(`the file name must be ${expectedFilename} to match its ${indexPath} (name ${name}, version ${version}, build ${build})`);
  }

  const isNoarch = index.noarch !== undefined && index.noarch !== null && index.noarch !== false;
  const declaredSubdir = index.subdir ?? (isNoarch ? "noarch" : undefined);
  if (declaredSubdir === undefined) throw problems.metadata(indexPath, "has no subdir");
  if (typeof declaredSubdir !== "string" || !condaSubdirs.has(declaredSubdir)) {
    throw problems.metadata(indexPath, `has an unknown subdir (${String(declaredSubdir)})`);
  }
  if (isNoarch && declaredSubdir !== "noarch") {
    throw problems.metadata(indexPath, `says noarch but has subdir ${declaredSubdir}`);
  }
  for (const key of ["depends", "constrains"]) {
    const value = index[key];
    if (value !== undefined && (!Array.isArray(value) || !value.every((item) => typeof item === "string"))) {
      throw problems.metadata(indexPath, `has a ${key} that is not a list of strings`);
    }
  }

  const about = readAbout(contents.collected.get(aboutPath) ?? null);
  const summary = textOrNull(about.summary);
  const description = textOrNull(about.description);
  const metadata: Record<string, unknown> = { ...index };
  const keptAbout = Object.fromEntries(aboutKeys.filter((key) => about[key] !== undefined).map((key) => [key, about[key]]));
  if (Object.keys(keptAbout).length > 0 && !("about" in metadata)) metadata.about = keptAbout;

  return {
    fileType: "conda",
    name,
    version,
    subdir: declaredSubdir,
    summary,
    description,
    descriptionContentType: description ? "text/plain" : null,
    license: textOrNull(index.license) ?? textOrNull(about.license),
    homepage: webUrlOrNull(about.home) ?? webUrlOrNull(about.dev_url) ?? webUrlOrNull(about.doc_url),
    requiresPython: null,
    coreMetadata: null,
    metadata,
  };
}

/** about.json is optional and conda never reads it when installing, so a broken one is ignored, not fatal. */
function readAbout(bytes: Buffer | null): Record<string, unknown> {
  if (!bytes) return {};
  try {
    const about = JSON.parse(new TextDecoder("utf-8").decode(bytes)) as unknown;
    return isPlainObject(about) ? about : {};
  } catch {
    return {};
  }
}
