/**
 * The PyPI simple repository API: PEP 503 HTML and PEP 691 JSON (chosen by the Accept header), with PEP 658/714
 * core metadata and PEP 700 sizes, upload times and versions, and the files and metadata behind the links.
 * Links are relative to the page, so the same page works behind any proxy prefix; with a static URL set (Admin →
 * General), a public project's file links point there instead.
 */
import { AppError } from "../errors";
import { anonymousActor, knownAudience } from "../authz";
import { getSimpleProject, listSimpleProjects, type ChannelScope, type SimpleProject } from "../services/channels";
import type { IncomingMessage } from "node:http";
import {
  channelScope,
  indexCacheControl,
  notInIndex,
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
import { escapeHtml, headerValue, ifNoneMatchHits, parseWeightedList, sendBuffer } from "./http";
import { makeDocument, type IndexEntry } from "./index-cache";
import { withPathToken } from "./path-token";
import { sendIndex } from "./send-index";

export type SimpleFormat = "json" | "html-v1" | "html";

const formatContentTypes: Record<SimpleFormat, string> = {
  json: "application/vnd.pypi.simple.v1+json",
  "html-v1": "application/vnd.pypi.simple.v1+html",
  html: "text/html; charset=utf-8",
};

const mediaTypeFormats: Record<string, SimpleFormat> = {
  "application/vnd.pypi.simple.v1+json": "json",
  "application/vnd.pypi.simple.latest+json": "json",
  "application/vnd.pypi.simple.v1+html": "html-v1",
  "application/vnd.pypi.simple.latest+html": "html-v1",
  "text/html": "html",
};

/** The API version served (PEP 700 adds versions, sizes and upload times to 1.0). */
const apiVersion = "1.1";

/**
 * PEP 691 content negotiation: the acceptable type with the highest q-value wins (earlier on ties); with no
 * Accept header, or nothing acceptable, the HTML every client understands.
 */
export function negotiateSimpleFormat(accept: string | undefined): SimpleFormat {
  if (accept === undefined) return "html";
  // Clients send the same few Accept headers again and again: each is parsed once.
  let format = negotiatedFormats.get(accept);
  if (format === undefined) {
    format = parseSimpleFormat(accept);
    if (negotiatedFormats.size >= negotiatedFormatsKept) negotiatedFormats.clear();
    negotiatedFormats.set(accept, format);
  }
  return format;
}

const negotiatedFormats = new Map<string, SimpleFormat>();
const negotiatedFormatsKept = 256;

function parseSimpleFormat(accept: string): SimpleFormat {
  let best: { format: SimpleFormat; quality: number } | null = null;
  for (const { token, quality } of parseWeightedList(accept)) {
    const format = mediaTypeFormats[token] ?? (token === "*/*" || token === "text/*" ? "html" : undefined);
    if (!format || quality <= 0) continue;
    if (!best || quality > best.quality) best = { format, quality };
  }
  return best?.format ?? "html";
}

function htmlPage(title: string, body: string): string {
  return [
    "<!DOCTYPE html>",
    "<html>",
    "<head>",
    `<meta name="pypi:repository-version" content="${apiVersion}">`,
    `<title>${escapeHtml(title)}</title>`,
    "</head>",
    "<body>",
    `<h1>${escapeHtml(title)}</h1>`,
    body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}


/** One cached copy of each page per owner, label, audience and format: everyone in an audience sees the same projects. */
function cacheKey(scope: Pick<ScopedIndex, "ownerId" | "audience" | "label">, document: string, format: SimpleFormat): string {
  return `simple ${scope.ownerId} ${scope.audience} ${scope.label} ${format} ${document}`;
}

const projectDocument = (labelled: boolean, project: string, staticUrl: string | null) => `${labelled ? "labelled" : "plain"} ${project} ${staticUrl ?? ""}`;

type ProjectParams = { owner: string; label: string; labelled: boolean; project: string };

/** One per format, so a request makes no closure of its own. */
const visitorIndexes = Object.fromEntries(
  Object.keys(formatContentTypes).map((format) => [
    format,
    {
      list: {
        key: (ownerId, _staticUrl, params) => cacheKey({ ownerId, audience: visitorAudience, label: params.label }, "/", format as SimpleFormat),
        usesStaticUrl: false,
        vary: "Accept, Accept-Encoding",
      },
      project: {
        key: (ownerId, staticUrl, params) =>
          cacheKey({ ownerId, audience: visitorAudience, label: params.label }, projectDocument(params.labelled, params.project, staticUrl), format as SimpleFormat),
        usesStaticUrl: true,
        vary: "Accept, Accept-Encoding",
      },
    } satisfies { list: VisitorIndex<{ owner: string; label: string }>; project: VisitorIndex<ProjectParams> },
  ]),
) as Record<SimpleFormat, { list: VisitorIndex<{ owner: string; label: string }>; project: VisitorIndex<ProjectParams> }>;

/** See RouteDefinition.readyForVisitor. */
export function simpleIndexReadyForVisitor(services: ProtocolServices, request: IncomingMessage, params: { owner: string; label: string }): ReadyIndex | undefined {
  return visitorIndexInMemory(services, params, visitorIndexes[negotiateSimpleFormat(headerValue(request, "accept"))].list);
}

export function simpleProjectReadyForVisitor(services: ProtocolServices, request: IncomingMessage, params: ProjectParams): ReadyIndex | undefined {
  return visitorIndexInMemory(services, params, visitorIndexes[negotiateSimpleFormat(headerValue(request, "accept"))].project);
}

// ---------------------------------------------------------------------------------------------- project list

export async function serveSimpleIndex(context: RequestContext, params: { owner: string; label: string }): Promise<void> {
  const label = requireLabel(params.label);
  const channel = await requireChannel(context, params.owner);
  const format = negotiateSimpleFormat(headerValue(context.request, "accept"));
  const found = channelScope(context, channel, label);
  const scope = found instanceof Promise ? await found : found;
  const entry = await context.services.indexes.get(cacheKey(scope, "/", format), channel.revision, async (): Promise<IndexEntry> => {
    const projects = await listSimpleProjects(context.services.db, scope);
    const body =
      format === "json"
        ? JSON.stringify({ meta: { "api-version": apiVersion }, projects: projects.map((project) => ({ name: project.name })) })
        : htmlPage(
            "Simple index",
            projects.map((project) => `<a href="${encodeURIComponent(project.normalizedName)}/">${escapeHtml(project.name)}</a><br>`).join("\n"),
          );
    return makeDocument(body, formatContentTypes[format], channel.changedAt);
  });
  await sendIndex(context, entry, { cacheControl: indexCacheControl(scope), vary: "Accept, Accept-Encoding" });
}

// ---------------------------------------------------------------------------------------------- project page

function renderProject(project: SimpleProject, format: SimpleFormat, filesBase: string): string {
  const url = (filename: string) => `${filesBase}${encodeURIComponent(filename)}`;
  if (format === "json") {
    const versions = [...new Set(project.files.map((file) => file.version))];
    return JSON.stringify({
      meta: { "api-version": apiVersion },
      name: project.normalizedName,
      files: project.files.map((file) => {
        const metadata = file.coreMetadataSha256 ? { sha256: file.coreMetadataSha256 } : false;
        return {
          filename: file.filename,
          url: url(file.filename),
          hashes: { sha256: file.sha256 },
          "requires-python": file.requiresPython ?? undefined,
          // Only PEP 714's name: pip 22.3-23.0 (Debian 12 ships 23.0.1) crashes on a JSON dist-info-metadata
          // key, which is why PEP 714 renamed it. The HTML page carries both attributes, which those pips read.
          "core-metadata": metadata,
          size: file.size,
          "upload-time": file.createdAt.toISOString(),
          // PEP 592/691: the reason when one was given, else true.
          yanked: file.yankedReason === null ? false : file.yankedReason || true,
        };
      }),
      versions,
    });
  }
  const links = project.files.map((file) => {
    const attributes = [`href="${escapeHtml(`${url(file.filename)}#sha256=${file.sha256}`)}"`];
    if (file.requiresPython) attributes.push(`data-requires-python="${escapeHtml(file.requiresPython)}"`);
    // PEP 592: present (with the reason, possibly empty) only on a yanked release's files.
    if (file.yankedReason !== null) attributes.push(`data-yanked="${escapeHtml(file.yankedReason)}"`);
    if (file.coreMetadataSha256) {
      attributes.push(`data-dist-info-metadata="sha256=${file.coreMetadataSha256}"`, `data-core-metadata="sha256=${file.coreMetadataSha256}"`);
    }
    return `<a ${attributes.join(" ")}>${escapeHtml(file.filename)}</a><br>`;
  });
  return htmlPage(`Links for ${project.normalizedName}`, links.join("\n"));
}

export async function serveSimpleProject(
  context: RequestContext,
  params: { owner: string; label: string; labelled: boolean; project: string },
): Promise<void> {
  const label = requireLabel(params.label);
  const channel = await requireChannel(context, params.owner);
  const format = negotiateSimpleFormat(headerValue(context.request, "accept"));
  const { labelled } = params;
  // From /<owner>/simple/<project>/ (or /<owner>/label/<label>/simple/<project>/) up to /<owner>/pypi/files/.
  const relativeFilesBase = labelled ? "../../../../pypi/files/" : "../../pypi/files/";
  const staticUrl = await context.services.staticUrl.current();
  const document = projectDocument(labelled, params.project, staticUrl);
  const build = (scope: ChannelScope) => async (): Promise<IndexEntry> => {
    const project = await getSimpleProject(context.services.db, scope, params.project);
    if (!project) return { kind: "missing" };
    // A cache in front of Granary serves what anyone may download; private files stay here, where credentials go.
    const filesBase = staticUrl && !project.isPrivate ? `${staticUrl}/${encodeURIComponent(channel.username)}/pypi/files/` : relativeFilesBase;
    return makeDocument(renderProject(project, format, filesBase), formatContentTypes[format], channel.changedAt);
  };
  // A public project's page is the same to every reader of the channel (a package is private or public as a whole,
  // and a project is one package): it is built and kept once, as a visitor's, and the handler sends it from memory to
  // readers with credentials too (answerFromMemory). Only a project a visitor does not find is looked up as this
  // reader sees the channel.
  const visitorScope: ChannelScope = { actor: anonymousActor(), ownerId: channel.ownerId, label };
  const visitors = await context.services.indexes.get(cacheKey({ ...visitorScope, audience: visitorAudience }, document, format), channel.revision, build(visitorScope));
  if (visitors.kind === "document") {
    const cacheControl = indexCacheControl({ audience: knownAudience(context.actor, channel.ownerId) === visitorAudience ? visitorAudience : "everything" });
    await sendIndex(context, visitors, { cacheControl, vary: "Accept, Accept-Encoding" });
    return;
  }
  if (context.actor.kind === "anonymous") throw notInIndex(channel, `project ${params.project}`);
  const found = channelScope(context, channel, label);
  const scope = found instanceof Promise ? await found : found;
  const entry = scope.audience === visitorAudience ? visitors : await context.services.indexes.get(cacheKey(scope, document, format), channel.revision, build(scope));
  if (entry.kind === "missing") throw notInIndex(channel, `project ${params.project}`);
  await sendIndex(context, entry, { cacheControl: indexCacheControl(scope), vary: "Accept, Accept-Encoding" });
}

export async function serveSimpleRedirect(context: RequestContext, params: { location: string }): Promise<void> {
  // A client that put its token in the path must keep it across the redirect.
  const location = withPathToken(params.location, context.pathToken);
  sendBuffer(
    context.request,
    context.response,
    301,
    { Location: location, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": context.pathToken ? "private, no-store" : "public, max-age=3600" },
    `Moved to ${location}\n`,
  );
}

// ---------------------------------------------------------------------------------------------- files

async function findPythonFile(context: RequestContext, owner: string, filename: string) {
  const channel = await requireChannel(context, owner);
  const file = await context.services.channels.findFile(channel, { subdir: "pypi", filename });
  return requireDownloadable(context, channel, file, filename, (found) => found.fileType === "wheel" || found.fileType === "sdist");
}

export async function servePythonFile(context: RequestContext, params: { owner: string; filename: string }): Promise<void> {
  const file = await findPythonFile(context, params.owner, params.filename);
  await serveStoredFile(context, file, { countDownload: true });
}

/** PEP 658: the wheel's METADATA, whose sha256 the project page announced. */
export async function servePythonMetadata(context: RequestContext, params: { owner: string; filename: string }): Promise<void> {
  const file = await findPythonFile(context, params.owner, params.filename);
  if (file.coreMetadata === null || !file.coreMetadataSha256) throw new AppError("NOT_FOUND", `${params.filename} has no separate core metadata.`);
  const { request, response } = context;
  const etag = `"${file.coreMetadataSha256}"`;
  const headers = {
    ETag: etag,
    "Cache-Control": file.isPrivate ? "private, no-cache" : "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
  };
  if (ifNoneMatchHits(request, [etag])) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  sendBuffer(request, response, 200, { ...headers, "Content-Type": "application/octet-stream" }, file.coreMetadata);
}
