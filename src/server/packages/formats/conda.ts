import { stat } from "node:fs/promises";
import { condaSubdirs } from "../../../shared/reserved-names";
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
import { findEntries, readEntry, withZip } from "./zip";
import { decompressZstd, WindowTooSmall } from "./zstd";

const indexPath = "info/index.json";
const aboutPath = "info/about.json";

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

class CondaInfoCollector {
  index: Buffer | null = null;
  about: Buffer | null = null;
  readonly scanner: TarScanner;

  constructor(problems: FileProblems, label: string, maxMemberBytes: number) {
    this.scanner = new TarScanner({
      problems,
      label,
      maxMemberBytes,
      onEntry: (entry) => {
        if (entry.type === "file" && (entry.path === indexPath || entry.path === aboutPath)) return "collect";
        // conda-build and conda-package-handling write info/ first; once index.json is in hand, the payload
        // after it is not decompressed at all (for a large .tar.bz2 that would take many seconds).
        if (this.index && entry.path !== "info" && !entry.path.startsWith("info/")) return "stop";
        return "skip";
      },
      onMember: (entry, data) => {
        if (entry.path === indexPath) this.index ??= data;
        else this.about ??= data;
        return !(this.index && this.about);
      },
    });
  }
}

/** conda v1: a bzip2-compressed tarball with info/ beside the payload. */
export async function parseCondaTarBz2(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, ".tar.bz2");
  const { size } = await stat(filePath);
  const collector = new CondaInfoCollector(problems, "the package tarball", limits.maxMetadataBytes);
  await scanBzip2File(filePath, (chunk) => collector.scanner.push(chunk), scanBudget(size), problems);
  collector.scanner.finish();
  return interpretCondaInfo(collector, problems, filename, ".tar.bz2");
}

/** conda v2: a zip of metadata.json, info-<stem>.tar.zst and pkg-<stem>.tar.zst. Only the info tarball is read. */
export async function parseConda(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, ".conda");
  const stem = filename.slice(0, -".conda".length);
  return withZip(filePath, problems, async (zip) => {
    const entries = await findEntries(zip, problems, (name) => name === "metadata.json" || /^(info|pkg)-.+\.tar\.zst$/.test(name));
    const infoTarballs = entries.filter((entry) => entry.fileName.startsWith("info-"));
    const payloadTarballs = entries.filter((entry) => entry.fileName.startsWith("pkg-"));
    const expectedInfo = `info-${stem}.tar.zst`;
    const expectedPayload = `pkg-${stem}.tar.zst`;
    // With a single info tarball under another name, reading it anyway lets the index.json check explain the
    // mismatch in terms of name, version and build rather than member names.
    const info = infoTarballs.find((entry) => entry.fileName === expectedInfo) ?? (infoTarballs.length === 1 ? infoTarballs[0] : undefined);
    if (!info) throw problems.invalid(infoTarballs.length === 0 ? "it has no info-*.tar.zst" : `it has no ${expectedInfo}`);
    if (payloadTarballs.length === 0) throw problems.invalid("it has no pkg-*.tar.zst");

    const formatEntry = entries.find((entry) => entry.fileName === "metadata.json");
    if (formatEntry) {
      const format = parseJsonText(decodeUtf8(await readEntry(zip, formatEntry, problems, limits.maxMetadataBytes), problems, "metadata.json"), problems, "metadata.json");
      if (!isPlainObject(format) || format.conda_pkg_format_version !== 2) {
        throw problems.invalid("its metadata.json does not declare conda_pkg_format_version 2");
      }
    }

    const compressed = await readEntry(zip, info, problems, limits.maxMetadataBytes);
    const decode = (shrinkWindows: boolean): CondaInfoCollector => {
      const collector = new CondaInfoCollector(problems, info.fileName, limits.maxMetadataBytes);
      decompressZstd(compressed, (chunk) => collector.scanner.push(chunk), {
        shrinkWindows,
        budget: scanBudget(compressed.length),
        problems,
        label: info.fileName,
      });
      collector.scanner.finish();
      return collector;
    };
    let collector: CondaInfoCollector;
    try {
      collector = decode(true);
    } catch (error) {
      if (!(error instanceof WindowTooSmall)) throw error;
      collector = decode(false);
    }

    const parsed = interpretCondaInfo(collector, problems, filename, ".conda");
    // conda finds the members by the file's own name, so renamed members make the package uninstallable.
    if (info.fileName !== expectedInfo) throw problems.invalid(`its info tarball is named ${info.fileName}, but conda looks for ${expectedInfo}`);
    if (!payloadTarballs.some((entry) => entry.fileName === expectedPayload)) throw problems.invalid(`it has no ${expectedPayload}`);
    return parsed;
  });
}

function interpretCondaInfo(collector: CondaInfoCollector, problems: FileProblems, filename: string, extension: string): ParsedDistribution {
  if (!collector.index) throw problems.invalid(`it has no ${indexPath}`);
  const index = parseJsonText(decodeUtf8(collector.index, problems, indexPath), problems, indexPath);
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

  const about = readAbout(collector.about);
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
