import { stat } from "node:fs/promises";
import { normalizeProjectName, parseCoreMetadata, versionsAgree, type CoreMetadata } from "./core-metadata";
import { scanGzipFile } from "./gzip";
import { decodeUtf8, FileProblems, scanBudget, type ParseLimits } from "./problems";
import { checkWheelRecord } from "./record";
import { TarScanner } from "./tar";
import type { ParsedDistribution } from "./types";
import { withZip } from "./zip";

const wheelMetadataPattern = /^[^/]+\.dist-info\/(METADATA|WHEEL)$/;
/** The sdist's own PKG-INFO sits at `<top>/PKG-INFO`; egg-info copies deeper down are not it. */
const sdistMetadataPattern = /^[^/]+\/PKG-INFO$/;

function distribution(fileType: "wheel" | "sdist", core: CoreMetadata, coreMetadata: string | null): ParsedDistribution {
  return {
    fileType,
    name: core.name,
    version: core.version,
    subdir: "pypi",
    summary: core.summary,
    description: core.description,
    descriptionContentType: core.descriptionContentType,
    license: core.license,
    homepage: core.homepage,
    requiresPython: core.requiresPython,
    coreMetadata,
    metadata: core.metadata,
  };
}

export async function parseWheel(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const problems = new FileProblems(filename, "wheel");
  const parts = filename.slice(0, -".whl".length).split("-");
  if ((parts.length !== 5 && parts.length !== 6) || parts.some((part) => part === "")) {
    throw problems.invalid("its name is not {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl");
  }
  if (parts.length === 6 && !/^\d/.test(parts[2]!)) throw problems.invalid("its build tag does not start with a digit");
  const [filenameName, filenameVersion] = parts as [string, string];

  return withZip(filePath, problems, async (zip) => {
    const entries = await zip.entries();
    const metadataEntries = entries.filter((entry) => wheelMetadataPattern.test(entry.fileName) && entry.fileName.endsWith("/METADATA"));
    if (metadataEntries.length === 0) throw problems.invalid("it has no .dist-info/METADATA");
    if (metadataEntries.length > 1) {
      throw problems.invalid(`it has more than one .dist-info/METADATA (${metadataEntries.map((entry) => entry.fileName).join(", ")})`);
    }
    const metadataEntry = metadataEntries[0]!;
    const distInfo = metadataEntry.fileName.slice(0, -"/METADATA".length);
    if (!entries.some((entry) => entry.fileName === `${distInfo}/WHEEL`)) throw problems.invalid(`it has no ${distInfo}/WHEEL`);

    const text = decodeUtf8(await zip.read(metadataEntry, limits.maxMetadataBytes), problems, "METADATA");
    const core = parseCoreMetadata(text, problems, "METADATA");
    if (normalizeProjectName(filenameName) !== normalizeProjectName(core.name)) {
      throw problems.mismatch(`wheel filename says name ${filenameName} but METADATA says ${core.name}`);
    }
    if (!versionsAgree(filenameVersion, core.version)) {
      throw problems.mismatch(`wheel filename says version ${filenameVersion} but METADATA says ${core.version}`);
    }
    // pip refuses a wheel whose .dist-info directory belongs to another project.
    const distInfoName = distInfo.slice(0, -".dist-info".length).split("-")[0] ?? "";
    if (normalizeProjectName(distInfoName) !== normalizeProjectName(core.name)) {
      throw problems.mismatch(`its ${distInfo} directory does not belong to ${core.name}, the name in METADATA`);
    }
    // Last, as it reads every member: a wheel whose metadata is wrong is refused without that.
    await checkWheelRecord(zip, entries, distInfo, problems, limits.maxMetadataBytes);
    return distribution("wheel", core, text);
  });
}

export async function parseSdist(filePath: string, filename: string, limits: ParseLimits): Promise<ParsedDistribution> {
  const extension = filename.toLowerCase().endsWith(".zip") ? ".zip" : ".tar.gz";
  const problems = new FileProblems(filename, `${extension} sdist`);
  const found = extension === ".zip" ? await readZipPkgInfo(filePath, problems, limits) : await readTarPkgInfo(filePath, problems, limits);
  if (found.length === 0) throw problems.invalid("it has no PKG-INFO in its top-level folder");
  if (found.length > 1) throw problems.invalid(`it has more than one top-level PKG-INFO (${found.map((item) => item.path).join(", ")})`);
  const core = parseCoreMetadata(decodeUtf8(found[0]!.data, problems, "PKG-INFO"), problems, "PKG-INFO");
  checkSdistFilename(filename.slice(0, -extension.length), extension, core, problems);
  // PEP 658 metadata is served for wheels only here; an sdist's PKG-INFO may still be dynamic.
  return distribution("sdist", core, null);
}

async function readTarPkgInfo(filePath: string, problems: FileProblems, limits: ParseLimits): Promise<{ path: string; data: Buffer }[]> {
  const found: { path: string; data: Buffer }[] = [];
  const scanner = new TarScanner({
    problems,
    label: "the sdist tarball",
    maxMemberBytes: limits.maxMetadataBytes,
    onEntry: (entry) => {
      if (entry.type !== "file" || !sdistMetadataPattern.test(entry.path)) return "skip";
      // Only the count matters past the first: the upload is refused either way.
      if (found.length > 0) found.push({ path: entry.path, data: Buffer.alloc(0) });
      return found.length > 0 ? "skip" : "collect";
    },
    onMember: (entry, data) => {
      found.push({ path: entry.path, data });
      return true;
    },
  });
  const { size } = await stat(filePath);
  await scanGzipFile(filePath, (chunk) => scanner.push(chunk), scanBudget(size), problems);
  scanner.finish();
  return found;
}

async function readZipPkgInfo(filePath: string, problems: FileProblems, limits: ParseLimits): Promise<{ path: string; data: Buffer }[]> {
  return withZip(filePath, problems, async (zip) => {
    const entries = await zip.entries();
    const found = entries.filter((entry) => sdistMetadataPattern.test(entry.fileName));
    const [only] = found;
    if (found.length !== 1 || !only) return found.map((entry) => ({ path: entry.fileName, data: Buffer.alloc(0) }));
    const data = await zip.read(only, limits.maxMetadataBytes);
    for (const entry of entries) if (entry !== only) await zip.verify(entry);
    return [{ path: only.fileName, data }];
  });
}

/**
 * `{name}-{version}.tar.gz`, where older sdists keep dashes in the name (`my-package-1.0.tar.gz`) and newer
 * ones write the normalized name with underscores: every dash is tried as the name/version boundary.
 */
function checkSdistFilename(stem: string, extension: string, core: CoreMetadata, problems: FileProblems): void {
  const wanted = normalizeProjectName(core.name);
  for (let dash = stem.indexOf("-"); dash > 0; dash = stem.indexOf("-", dash + 1)) {
    if (normalizeProjectName(stem.slice(0, dash)) !== wanted) continue;
    const filenameVersion = stem.slice(dash + 1);
    if (versionsAgree(filenameVersion, core.version)) return;
    throw problems.mismatch(`sdist filename says version ${filenameVersion} but PKG-INFO says ${core.version}`);
  }
  const versionStart = stem.search(/-\d/);
  if (versionStart <= 0) throw problems.invalid(`its name is not {name}-{version}${extension}`);
  throw problems.mismatch(`sdist filename says name ${stem.slice(0, versionStart)} but PKG-INFO says ${core.name}`);
}
