/**
 * The protocol route table: for every route, the methods it answers, the permission it needs (checked with
 * assertCan before the handler runs), whether a browser session may stand in for Basic credentials, and how
 * errors are written. A test walks this table and fails on any route that declares no permission.
 */
import { uploadPermissionFor, type Permission } from "../authz";
import { AppError } from "../errors";
import { fileTypeOfName } from "../packages/formats";
import { channeldataReadyForVisitor, repodataReadyForVisitor, serveChanneldata, serveCondaDownload, serveRepodata } from "./conda";
import { requireChannel, requireDownloadable, type RequestContext, type RouteDefinition } from "./context";
import { serveStoredFile } from "./files";
import type { RouteMatch, RouteName } from "./match";
import {
  servePythonFile,
  servePythonMetadata,
  serveSimpleIndex,
  serveSimpleProject,
  serveSimpleRedirect,
  simpleIndexReadyForVisitor,
  simpleProjectReadyForVisitor,
} from "./pypi";
import { serveLeakReport } from "./leak-report";
import { serveTransferFile, serveTransferFinish, serveTransferListing } from "./transfer";
import { serveCondaUpload, serveTwineUpload } from "./uploads";

type ParamsOf<Name extends RouteName> = Extract<RouteMatch, { route: Name }>["params"];

export type RouteTable = { [Name in RouteName]: RouteDefinition<ParamsOf<Name>> };

const read = ["GET", "HEAD"] as const;

/** /<owner>/files/<subdir>/<filename>: any file, for links on the web pages and scripts. */
async function serveAnyFile(context: RequestContext, params: ParamsOf<"fileDownload">): Promise<void> {
  const channel = await requireChannel(context, params.owner);
  const found = await context.services.channels.findFile(channel, { subdir: params.subdir, filename: params.filename });
  const file = await requireDownloadable(context, channel, found, `${params.subdir}/${params.filename}`);
  const inline = file.fileType === "conda" || file.fileType === "wheel" || file.fileType === "sdist";
  await serveStoredFile(context, file, { countDownload: true, attachment: !inline });
}

export const protocolRoutes: RouteTable = {
  channeldata: { methods: read, permission: "conda:download", sessionCookie: "ignored", errorFormat: "text", handle: serveChanneldata, readyForVisitor: channeldataReadyForVisitor },
  repodata: { methods: read, permission: "conda:download", sessionCookie: "ignored", errorFormat: "text", handle: serveRepodata, readyForVisitor: repodataReadyForVisitor },
  condaIndexProbe: {
    methods: read,
    permission: "conda:download",
    sessionCookie: "ignored",
    errorFormat: "text",
    // zstd repodata, shards and the like: conda and rattler probe for them and fall back on a 404.
    handle: async (_context, params) => {
      throw new AppError("NOT_FOUND", `${params.file} is not served here; read repodata.json.`);
    },
  },
  condaDownload: { methods: read, permission: "conda:download", sessionCookie: "accepted", errorFormat: "text", handle: serveCondaDownload },
  simpleIndex: { methods: read, permission: "pypi:download", sessionCookie: "ignored", errorFormat: "text", handle: serveSimpleIndex, readyForVisitor: simpleIndexReadyForVisitor },
  simpleProject: { methods: read, permission: "pypi:download", sessionCookie: "ignored", errorFormat: "text", handle: serveSimpleProject, readyForVisitor: simpleProjectReadyForVisitor, visitorIndexIsEveryReaders: true },
  simpleRedirect: { methods: read, permission: "pypi:download", sessionCookie: "ignored", errorFormat: "text", handle: serveSimpleRedirect },
  pypiDownload: { methods: read, permission: "pypi:download", sessionCookie: "accepted", errorFormat: "text", handle: servePythonFile },
  pypiMetadata: { methods: read, permission: "pypi:download", sessionCookie: "ignored", errorFormat: "text", handle: servePythonMetadata },
  fileDownload: { methods: read, permission: "package:read", sessionCookie: "accepted", errorFormat: "text", handle: serveAnyFile },
  twineUpload: { methods: ["POST"], permission: "pypi:upload", sessionCookie: "ignored", errorFormat: "text", handle: serveTwineUpload },
  // The upload API takes every kind of file; each kind needs its own permission, refused before the body is read.
  condaUpload: {
    methods: ["POST"],
    permission: (params) => uploadPermissionFor(fileTypeOfName(params.filename)),
    sessionCookie: "requires-x-requested-with",
    errorFormat: "json",
    handle: serveCondaUpload,
  },
  // Whoever holds a leaked secret may have it revoked (secret scanners report here): no credentials needed.
  tokenLeakReport: { methods: ["POST"], permission: "site:read", sessionCookie: "ignored", errorFormat: "json", credentials: "ignored", handle: serveLeakReport },
  // Transfer to another Granary: the transfer token (a JWT, not an access token) is the credential, checked by the handler.
  transferApplications: { methods: read, permission: "site:read", sessionCookie: "ignored", errorFormat: "json", credentials: "ignored", handle: serveTransferListing },
  transferFile: { methods: read, permission: "site:read", sessionCookie: "ignored", errorFormat: "json", credentials: "ignored", handle: serveTransferFile },
  transferFinish: { methods: ["POST"], permission: "site:read", sessionCookie: "ignored", errorFormat: "json", credentials: "ignored", handle: serveTransferFinish },
  notFound: {
    methods: ["GET", "HEAD", "POST"],
    permission: "site:read",
    sessionCookie: "ignored",
    errorFormat: "text",
    handle: async (_context, params) => {
      throw new AppError("NOT_FOUND", params.message);
    },
  },
  // Control characters or bad encoding in the path or query: nothing to look up, and no credentials to check.
  malformed: {
    methods: ["GET", "HEAD", "POST"],
    permission: "site:read",
    sessionCookie: "ignored",
    errorFormat: "text",
    credentials: "ignored",
    handle: async (_context, params) => {
      throw new AppError("BAD_REQUEST", params.message);
    },
  },
};

/** Looks a match up in the table, keeping the pairing of route and parameters that the types guarantee. */
export function routeFor<Name extends RouteName>(match: Extract<RouteMatch, { route: Name }>): RouteDefinition<ParamsOf<Name>> {
  return protocolRoutes[match.route] as RouteDefinition<ParamsOf<Name>>;
}

/** The permission a matched request needs. */
export function permissionFor(match: RouteMatch): Permission {
  const { permission } = routeFor(match);
  return typeof permission === "function" ? (permission as (params: unknown) => Permission)(match.params) : permission;
}
