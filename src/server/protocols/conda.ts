/**
 * conda channels: channeldata.json, <subdir>/repodata.json (+ .bz2, and current_repodata.json as the same
 * document, which conda accepts as a superset), and package downloads, each per label (`main` = no label).
 */
import { condaSubdirs } from "@/shared/reserved-names";
import { defaultLabel } from "@/shared/schemas/packages";
import type { Db } from "../db";
import { AppError } from "../errors";
import { listChanneldataRows, listCondaRecords, type Channel, type ChannelScope } from "../services/channels";
import {
  channelScope,
  indexCacheControl,
  requireChannel,
  requireDownloadable,
  requireLabel,
  visitorAudience,
  visitorIndexInMemory,
  type ProtocolServices,
  type ReadyIndex,
  type RequestContext,
  type ScopedIndex,
  type VisitorIndex,
} from "./context";
import { serveStoredFile } from "./files";
import { makeDocument, type IndexDocument } from "./index-cache";
import { sendIndex } from "./send-index";

const jsonType = "application/json";


/** One cached copy of each index per owner, label and audience: everyone in an audience sees the same packages. */
function cacheKey(scope: Pick<ScopedIndex, "ownerId" | "audience" | "label">, document: string): string {
  return `conda ${scope.ownerId} ${scope.audience} ${scope.label} ${document}`;
}

const repodataDocument = (subdir: string, staticUrl: string | null) => `repodata ${subdir} ${staticUrl ?? ""}`;

type RepodataParams = { owner: string; label: string; subdir: string; compression: "none" | "bzip2" };

const visitorRepodata: VisitorIndex<RepodataParams> = {
  key: (ownerId, staticUrl, params) => cacheKey({ ownerId, audience: visitorAudience, label: params.label }, repodataDocument(params.subdir, staticUrl)),
  usesStaticUrl: true,
  vary: "Accept-Encoding",
};

const visitorChanneldata: VisitorIndex<{ owner: string; label: string }> = {
  key: (ownerId, _staticUrl, params) => cacheKey({ ownerId, audience: visitorAudience, label: params.label }, "channeldata"),
  usesStaticUrl: false,
  vary: "Accept-Encoding",
};

/** See RouteDefinition.readyForVisitor. */
export function repodataReadyForVisitor(services: ProtocolServices, _request: unknown, params: RepodataParams): ReadyIndex | undefined {
  return params.compression === "none" ? visitorIndexInMemory(services, params, visitorRepodata) : undefined;
}

export function channeldataReadyForVisitor(services: ProtocolServices, _request: unknown, params: { owner: string; label: string }): ReadyIndex | undefined {
  return visitorIndexInMemory(services, params, visitorChanneldata);
}

// ---------------------------------------------------------------------------------------------- repodata

/** A repodata record is the package's own index.json plus what only the server knows: size and digests. */
function repodataRecord(metadata: Record<string, unknown>, subdir: string, file: { size: number; md5: string; sha256: string }) {
  // about.json facts are kept beside index.json for channeldata and the pages; repodata records never carry them.
  const { about: _about, ...index } = metadata;
  return {
    ...index,
    depends: Array.isArray(metadata.depends) ? metadata.depends : [],
    subdir: typeof metadata.subdir === "string" ? metadata.subdir : subdir,
    size: file.size,
    md5: file.md5,
    sha256: file.sha256,
  };
}

/**
 * Where clients download this repodata's files from, when a static URL is set (Admin → General): the same path
 * under it. Null (files beside the repodata) when there is none, or when any record is private: a CDN or cache
 * serves what anyone may download, and conda sends a channel's token only to the channel itself.
 */
function repodataBaseUrl(staticUrl: string | null, channel: Channel, label: string, subdir: string, rows: { isPrivate: boolean }[]): string | null {
  if (!staticUrl || rows.length === 0 || rows.some((row) => row.isPrivate)) return null;
  const labelPath = label === defaultLabel ? "" : `label/${encodeURIComponent(label)}/`;
  return `${staticUrl}/${encodeURIComponent(channel.username)}/${labelPath}${subdir}/`;
}

export async function buildRepodata(db: Db, scope: ChannelScope, channel: Channel, subdir: string, staticUrl: string | null = null): Promise<IndexDocument> {
  const rows = await listCondaRecords(db, scope, subdir);
  const packages: Record<string, unknown> = {};
  const condaPackages: Record<string, unknown> = {};
  for (const row of rows) {
    const target = row.filename.endsWith(".conda") ? condaPackages : packages;
    target[row.filename] = repodataRecord(row.metadata, subdir, row);
  }
  const baseUrl = repodataBaseUrl(staticUrl, channel, scope.label, subdir, rows);
  // CEP 15: base_url in info, and repodata_version 2 only then, so clients that predate it keep reading version 1.
  const repodata = baseUrl
    ? { info: { subdir, base_url: baseUrl }, packages, "packages.conda": condaPackages, removed: [], repodata_version: 2 }
    : { info: { subdir }, packages, "packages.conda": condaPackages, removed: [], repodata_version: 1 };
  return makeDocument(JSON.stringify(repodata), jsonType, channel.changedAt);
}

export async function serveRepodata(
  context: RequestContext,
  params: { owner: string; label: string; subdir: string; compression: "none" | "bzip2" },
): Promise<void> {
  const label = requireLabel(params.label);
  const channel = await requireChannel(context, params.owner);
  const found = channelScope(context, channel, label);
  const scope = found instanceof Promise ? await found : found;
  const staticUrl = await context.services.staticUrl.current();
  const entry = await context.services.indexes.get(cacheKey(scope, repodataDocument(params.subdir, staticUrl)), channel.revision, () =>
    buildRepodata(context.services.db, scope, channel, params.subdir, staticUrl),
  );
  await sendIndex(context, entry, {
    // Revalidation is a cheap 304, and a just-uploaded package must be installable at once.
    cacheControl: indexCacheControl(scope),
    vary: "Accept-Encoding",
    bzip2: params.compression === "bzip2",
    contentType: params.compression === "bzip2" ? "application/x-bzip2" : undefined,
  });
}

// ---------------------------------------------------------------------------------------------- channeldata

/**
 * conda's VersionOrder, reduced to what picking the newest version for channeldata needs: numbers compare as
 * numbers and above words, `dev` sorts first and `post` last, missing parts count as zero.
 */
export function compareCondaVersions(left: string, right: string): number {
  const parse = (version: string) => {
    const lower = version.toLowerCase();
    const bang = lower.indexOf("!");
    const epoch = bang === -1 ? 0 : Number(lower.slice(0, bang)) || 0;
    const parts = (bang === -1 ? lower : lower.slice(bang + 1)).split(/[._+-]/).flatMap((segment) => segment.match(/\d+|[a-z]+/g) ?? []);
    return { epoch, parts };
  };
  const rank = (part: string | undefined): [number, number | string] => {
    if (part === undefined) return [2, 0];
    if (/^\d+$/.test(part)) return [2, Number(part)];
    if (part === "dev") return [0, 0];
    if (part === "post") return [3, 0];
    return [1, part];
  };
  const a = parse(left);
  const b = parse(right);
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  for (let index = 0; index < Math.max(a.parts.length, b.parts.length); index += 1) {
    const [kindA, valueA] = rank(a.parts[index]);
    const [kindB, valueB] = rank(b.parts[index]);
    if (kindA !== kindB) return kindA - kindB;
    if (valueA < valueB) return -1;
    if (valueA > valueB) return 1;
  }
  return 0;
}

interface ChanneldataPackage {
  subdirs: string[];
  version: string;
  description?: string;
  summary?: string;
  license?: string;
  home?: string;
  timestamp: number;
}

export async function buildChanneldata(db: Db, scope: ChannelScope, channel: Channel): Promise<IndexDocument> {
  const rows = await listChanneldataRows(db, scope);
  const packages = new Map<string, ChanneldataPackage & { subdirSet: Set<string> }>();
  const subdirs = new Set<string>(["noarch"]);
  for (const row of rows) {
    subdirs.add(row.subdir);
    const recordTimestamp = typeof row.metadata.timestamp === "number" ? row.metadata.timestamp : row.createdAt.getTime();
    // index.json timestamps are in milliseconds; channeldata's are in seconds.
    const timestamp = Math.floor(recordTimestamp > 1e11 ? recordTimestamp / 1000 : recordTimestamp);
    const existing = packages.get(row.name);
    if (!existing) {
      packages.set(row.name, {
        subdirs: [],
        subdirSet: new Set([row.subdir]),
        version: row.version,
        ...(row.description ? { description: row.description } : {}),
        ...(row.summary ? { summary: row.summary } : {}),
        ...(row.license ? { license: row.license } : {}),
        ...(row.homepage ? { home: row.homepage } : {}),
        timestamp,
      });
      continue;
    }
    existing.subdirSet.add(row.subdir);
    if (compareCondaVersions(row.version, existing.version) > 0) existing.version = row.version;
    existing.timestamp = Math.max(existing.timestamp, timestamp);
  }
  const document = {
    channeldata_version: 1,
    packages: Object.fromEntries(
      [...packages].map(([name, { subdirSet, ...entry }]) => [name, { ...entry, subdirs: [...subdirSet].sort() }]),
    ),
    subdirs: [...subdirs].sort(),
  };
  return makeDocument(JSON.stringify(document), jsonType, channel.changedAt);
}

export async function serveChanneldata(context: RequestContext, params: { owner: string; label: string }): Promise<void> {
  const label = requireLabel(params.label);
  const channel = await requireChannel(context, params.owner);
  const found = channelScope(context, channel, label);
  const scope = found instanceof Promise ? await found : found;
  const entry = await context.services.indexes.get(cacheKey(scope, "channeldata"), channel.revision, () => buildChanneldata(context.services.db, scope, channel));
  await sendIndex(context, entry, { cacheControl: indexCacheControl(scope), vary: "Accept-Encoding" });
}

// ---------------------------------------------------------------------------------------------- downloads

export async function serveCondaDownload(context: RequestContext, params: { owner: string; label: string; subdir: string; filename: string }): Promise<void> {
  const label = requireLabel(params.label);
  if (!condaSubdirs.has(params.subdir)) throw new AppError("NOT_FOUND", `${params.subdir} is not a conda platform.`);
  const channel = await requireChannel(context, params.owner);
  const found = await context.services.channels.findFile(channel, { subdir: params.subdir, filename: params.filename, label });
  const file = await requireDownloadable(context, channel, found, `${params.subdir}/${params.filename} under the label ${label}`, (found) => found.fileType === "conda");
  await serveStoredFile(context, file, { countDownload: true });
}
