/**
 * Recognizes protocol paths synchronously, before anything is awaited, so every other request goes on to Next
 * at once. A match names a route of the table in routes.ts and carries its decoded path parameters.
 *
 * Paths (owner = a username, compared case-insensitively; `label/<label>/` is optional where shown):
 *   /<owner>/[label/<label>/]channeldata.json
 *   /<owner>/[label/<label>/]<subdir>/repodata.json | current_repodata.json | repodata.json.bz2
 *   /<owner>/[label/<label>/]<subdir>/<name>.conda | <name>.tar.bz2
 *   /<owner>/[label/<label>/]simple/ and simple/<project>/
 *   /<owner>/pypi/files/<filename>[.metadata], /<owner>/pypi/legacy/
 *   /<owner>/files/<subdir>/<filename>
 *   /api/channels/<owner>/upload/<filename>
 *   /api/tokens/leak-report
 *   /api/transfer/applications, /api/transfer/files/<file id>, /api/transfer/finish (a transfer token as Bearer)
 *
 * `/t/<token>/` is taken out of the path before matching (see path-token.ts).
 */
import { condaSubdirs, isReservedOwnerName } from "@/shared/reserved-names";
import { defaultLabel, normalizePackageName } from "@/shared/schemas/packages";
import { pathTokenSegment } from "./path-token";

/**
 * First path segments the protocol handler takes for itself, before any owner: `api` (uploads, leak reports) and
 * `t` (a token in the path). Owner names cannot take them (src/shared/reserved-names.ts; a test checks).
 */
export const protocolFirstSegments: readonly string[] = ["api", pathTokenSegment];

export const fileSubdirs: ReadonlySet<string> = new Set([...condaSubdirs, "pypi", "notebooks", "environments"]);

/** Index files conda and rattler may probe for that Granary does not serve (yet): answered 404 without work. */
const repodataFiles = new Set(["repodata.json", "current_repodata.json"]);
const bzip2RepodataFiles = new Set(["repodata.json.bz2", "current_repodata.json.bz2"]);

export type RouteMatch =
  | { route: "channeldata"; params: { owner: string; label: string } }
  | { route: "repodata"; params: { owner: string; label: string; subdir: string; compression: "none" | "bzip2" } }
  | { route: "condaIndexProbe"; params: { file: string } }
  | { route: "condaDownload"; params: { owner: string; label: string; subdir: string; filename: string } }
  | { route: "simpleIndex"; params: { owner: string; label: string } }
  | { route: "simpleProject"; params: { owner: string; label: string; labelled: boolean; project: string } }
  | { route: "simpleRedirect"; params: { location: string } }
  | { route: "pypiDownload"; params: { owner: string; filename: string } }
  | { route: "pypiMetadata"; params: { owner: string; filename: string } }
  | { route: "fileDownload"; params: { owner: string; subdir: string; filename: string } }
  | { route: "twineUpload"; params: { owner: string } }
  | { route: "condaUpload"; params: { owner: string; filename: string } }
  | { route: "tokenLeakReport"; params: Record<string, never> }
  | { route: "transferApplications"; params: Record<string, never> }
  | { route: "transferFile"; params: { fileId: string } }
  | { route: "transferFinish"; params: Record<string, never> }
  | { route: "notFound"; params: { message: string } }
  | { route: "malformed"; params: { message: string } };

export type RouteName = RouteMatch["route"];

const notFound = (message: string): RouteMatch => ({ route: "notFound", params: { message } });
const malformedPath: RouteMatch = { route: "malformed", params: { message: "The path is not valid: it has bad URL encoding or control characters." } };
const malformedQuery: RouteMatch = { route: "malformed", params: { message: "The query string is not valid: it has control characters." } };

/** Control characters never belong in a name, and PostgreSQL refuses a NUL in text outright. */
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** Whether a query string's decoded names or values hold control characters (URLSearchParams never throws). */
function queryHasControlCharacters(query: string): boolean {
  if (query.length <= 1) return false;
  for (const [name, value] of new URLSearchParams(query.slice(1))) {
    if (controlCharacters.test(name) || controlCharacters.test(value)) return true;
  }
  return false;
}

function decodeSegments(rawPath: string): string[] | null {
  try {
    const segments = rawPath.split("/").slice(1).map(decodeURIComponent);
    return segments.some((segment) => controlCharacters.test(segment)) ? null : segments;
  } catch {
    return null;
  }
}

/**
 * Whether a request target's path cannot be decoded at all (`/%E0%A4%A`, `/%ZZ`): Next answers those with a 500,
 * so the launcher answers them with a 400 before Next sees them.
 */
export function hasMalformedPathEncoding(target: string): boolean {
  const queryStart = target.indexOf("?");
  try {
    decodeURIComponent(queryStart === -1 ? target : target.slice(0, queryStart));
    return false;
  } catch {
    return true;
  }
}

function encodePath(segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join("/")}`;
}

const fileIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Transfer of applications to another Granary (services/application-transfer.ts). */
function matchTransferPath(rawPath: string): RouteMatch {
  const segments = decodeSegments(rawPath);
  if (!segments) return malformedPath;
  const [, , action, fileId, ...rest] = segments;
  if (action === "applications" && (fileId === undefined || fileId === "") && rest.length === 0) return { route: "transferApplications", params: {} };
  if (action === "finish" && (fileId === undefined || fileId === "") && rest.length === 0) return { route: "transferFinish", params: {} };
  if (action === "files" && fileId && fileIdPattern.test(fileId) && rest.length === 0) return { route: "transferFile", params: { fileId: fileId.toLowerCase() } };
  return notFound("Transfer reads /api/transfer/applications, /api/transfer/files/<file id> and POST /api/transfer/finish.");
}

/**
 * Returns the protocol route for a request target, or null when the request belongs to the web app. A protocol
 * request whose path or query carries control characters (or bad URL encoding) is malformed: the client's mistake.
 */
export function matchProtocolPath(target: string): RouteMatch | null {
  const match = matchPath(target);
  if (!match || match.route === "malformed") return match;
  const queryStart = target.indexOf("?");
  return queryStart !== -1 && queryHasControlCharacters(target.slice(queryStart)) ? malformedQuery : match;
}

function matchPath(target: string): RouteMatch | null {
  const queryStart = target.indexOf("?");
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? "" : target.slice(queryStart);
  if (!rawPath.startsWith("/")) return null;
  const firstSlash = rawPath.indexOf("/", 1);
  // A single segment (/, /about, /alice) is always a page.
  if (firstSlash === -1) return null;
  const first = rawPath.slice(1, firstSlash);

  if (first === "api") {
    if (rawPath === "/api/tokens/leak-report" || rawPath === "/api/tokens/leak-report/") return { route: "tokenLeakReport", params: {} };
    if (rawPath.startsWith("/api/transfer/")) return matchTransferPath(rawPath);
    if (!rawPath.startsWith("/api/channels/")) return null;
    const segments = decodeSegments(rawPath);
    if (!segments) return malformedPath;
    const [, , owner, action, filename, ...rest] = segments;
    if (owner && action === "upload" && filename && rest.length === 0) return { route: "condaUpload", params: { owner, filename } };
    return notFound("Upload with POST /api/channels/<owner>/upload/<filename>.");
  }
  if (isReservedOwnerName(first)) return null;

  const segments = decodeSegments(rawPath);
  if (!segments) return malformedPath;
  const [owner, ...afterOwner] = segments;
  if (!owner) return null;
  let rest = afterOwner;
  let label = defaultLabel;
  let labelPrefix: string[] = [];
  if (rest[0] === "label") {
    const [, named, ...afterLabel] = rest;
    if (!named) return notFound("Name a label: /<owner>/label/<label>/...");
    label = named;
    labelPrefix = ["label", named];
    rest = afterLabel;
  }
  const [head, second, third, ...deeper] = rest;
  if (head === undefined) return null;

  if (head === "channeldata.json" && second === undefined) return { route: "channeldata", params: { owner, label } };

  if (condaSubdirs.has(head)) {
    if (second === undefined || second === "" || third !== undefined) return notFound(`There is no listing of ${head}; read ${head}/repodata.json.`);
    if (repodataFiles.has(second)) return { route: "repodata", params: { owner, label, subdir: head, compression: "none" } };
    if (bzip2RepodataFiles.has(second)) return { route: "repodata", params: { owner, label, subdir: head, compression: "bzip2" } };
    if (second.endsWith(".conda") || second.endsWith(".tar.bz2")) return { route: "condaDownload", params: { owner, label, subdir: head, filename: second } };
    return { route: "condaIndexProbe", params: { file: second } };
  }

  if (head === "simple") {
    const base = [owner, ...labelPrefix, "simple"];
    if (second === undefined) return { route: "simpleRedirect", params: { location: `${encodePath(base)}/${query}` } };
    if (second === "" && third === undefined) return { route: "simpleIndex", params: { owner, label } };
    if (second === "" || deeper.length > 0 || (third !== undefined && third !== "")) return notFound("Simple index pages are /<owner>/simple/<project>/.");
    const normalized = normalizePackageName(second);
    if (third === undefined || normalized !== second) {
      return { route: "simpleRedirect", params: { location: `${encodePath([...base, normalized])}/${query}` } };
    }
    return { route: "simpleProject", params: { owner, label, labelled: labelPrefix.length > 0, project: normalized } };
  }

  if (labelPrefix.length > 0 && (head === "pypi" || head === "files")) return notFound("Files are not addressed through labels.");

  if (head === "pypi") {
    if (second === "legacy" && (third === undefined || third === "") && deeper.length === 0) return { route: "twineUpload", params: { owner } };
    if (second === "files" && third && deeper.length === 0) {
      if (third.endsWith(".metadata")) return { route: "pypiMetadata", params: { owner, filename: third.slice(0, -".metadata".length) } };
      return { route: "pypiDownload", params: { owner, filename: third } };
    }
    return notFound("PyPI files are at /<owner>/pypi/files/<filename>; uploads go to /<owner>/pypi/legacy/.");
  }

  if (head === "files") {
    if (second && third && deeper.length === 0 && fileSubdirs.has(second)) return { route: "fileDownload", params: { owner, subdir: second, filename: third } };
    return notFound("Files are at /<owner>/files/<subdir>/<filename>.");
  }

  // Anything else under an owner (/<owner>/<package>, ...) is a page; under a label it can only be a mistake.
  return labelPrefix.length > 0 ? notFound(`Nothing is served at this path under label ${label}.`) : null;
}
