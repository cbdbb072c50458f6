import { textOrNull, webUrlOrNull, type FileProblems } from "./problems";

/**
 * Python core metadata (METADATA in wheels, PKG-INFO in sdists): RFC 822-style headers, then an optional
 * body holding the long description. Stored in the PEP 566 JSON shape: keys lower-cased with `_` for `-`,
 * multiple-use fields always lists, Keywords split into a list. The description itself is left out of the
 * metadata object because it has its own column.
 */

const multipleUseFields = new Set([
  "dynamic",
  "platform",
  "supported-platform",
  "classifier",
  "requires-dist",
  "requires-external",
  "project-url",
  "provides-extra",
  "provides-dist",
  "obsoletes-dist",
  "license-file",
  "requires",
  "provides",
  "obsoletes",
]);

/** PEP 508 project names. */
const projectNamePattern = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

export interface CoreMetadata {
  name: string;
  version: string;
  summary: string | null;
  description: string | null;
  descriptionContentType: string | null;
  license: string | null;
  homepage: string | null;
  requiresPython: string | null;
  metadata: Record<string, unknown>;
}

interface Header {
  name: string;
  lines: string[];
}

function parseHeaders(text: string, problems: FileProblems, subject: string): { headers: Header[]; body: string } {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const headers: Header[] = [];
  let index = 0;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === "") {
      index++;
      break;
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      const current = headers.at(-1);
      if (!current) throw problems.metadata(subject, "starts with an indented line instead of a header");
      current.lines.push(line);
      continue;
    }
    const colon = line.indexOf(":");
    const name = line.slice(0, Math.max(colon, 0));
    if (colon <= 0 || !/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(name)) {
      throw problems.metadata(subject, `has a line that is not a "Field: value" header (line ${index + 1})`);
    }
    headers.push({ name: name.toLowerCase(), lines: [line.slice(colon + 1).trimStart()] });
  }
  return { headers, body: lines.slice(index).join("\n") };
}

/**
 * Continuation lines: setuptools indents with 8 spaces (older versions with 7 spaces and `|`); only that
 * prefix is removed, so indentation inside a description (code blocks) survives.
 */
function headerValue(header: Header): string {
  const [first = "", ...rest] = header.lines;
  const continued = rest.map((line) => (/^ {7}\|/.test(line) || /^ {8}/.test(line) ? line.slice(8) : line.trimStart()));
  return [first, ...continued].join("\n");
}

export function parseCoreMetadata(text: string, problems: FileProblems, subject: string): CoreMetadata {
  const { headers, body } = parseHeaders(text, problems, subject);
  const values = new Map<string, string[]>();
  for (const header of headers) {
    const value = headerValue(header);
    values.set(header.name, [...(values.get(header.name) ?? []), header.name === "description" ? value : value.trim()]);
  }

  const single = (field: string, label: string, required: boolean): string | null => {
    const found = values.get(field);
    if (!found || found.every((value) => value === "")) {
      if (required) throw problems.metadata(subject, `has no ${label}`);
      return null;
    }
    if (required && found.length > 1) throw problems.metadata(subject, `has more than one ${label}`);
    return found[0]!;
  };
  single("metadata-version", "Metadata-Version", true);
  const name = single("name", "Name", true)!;
  const version = single("version", "Version", true)!;
  if (!projectNamePattern.test(name)) throw problems.metadata(subject, `has a Name (${name}) that is not a valid project name`);
  if (canonicalVersion(version) === null) throw problems.metadata(subject, `has a Version (${version}) that is not a PEP 440 version`);

  const bodyText = body.trim() === "" ? null : body.replace(/\s+$/, "");
  const description = bodyText ?? textOrNull(values.get("description")?.[0]);

  const metadata: Record<string, unknown> = {};
  for (const [field, fieldValues] of values) {
    if (field === "description") continue;
    const key = field.replace(/-/g, "_");
    if (field === "keywords") {
      const joined = fieldValues.join(",");
      metadata[key] = joined.split(joined.includes(",") ? "," : /\s+/).map((word) => word.trim()).filter(Boolean);
    } else {
      metadata[key] = multipleUseFields.has(field) || fieldValues.length > 1 ? fieldValues : fieldValues[0];
    }
  }

  return {
    name,
    version,
    summary: textOrNull(values.get("summary")?.[0]),
    description,
    descriptionContentType: contentTypeOf(values.get("description-content-type")?.[0], description),
    license: licenseOf(values),
    homepage: homepageOf(values),
    requiresPython: textOrNull(values.get("requires-python")?.[0]),
    metadata,
  };
}

function contentTypeOf(declared: string | undefined, description: string | null): string | null {
  const mediaType = declared?.split(";")[0]?.trim().toLowerCase();
  if (mediaType === "text/markdown" || mediaType === "text/x-rst" || mediaType === "text/plain") return mediaType;
  if (mediaType) return "text/plain";
  // The core metadata spec's default for an undeclared description.
  return description ? "text/x-rst" : null;
}

function licenseOf(values: Map<string, string[]>): string | null {
  const expression = textOrNull(values.get("license-expression")?.[0]);
  if (expression) return expression;
  // Some projects paste the whole license text into License; that is no label.
  const license = textOrNull(values.get("license")?.[0]);
  if (license && !license.includes("\n") && license.length <= 200) return license;
  const classifier = values.get("classifier")?.find((value) => value.startsWith("License ::"));
  return classifier ? (classifier.split("::").at(-1)?.trim() ?? null) : null;
}

function homepageOf(values: Map<string, string[]>): string | null {
  const homePage = webUrlOrNull(values.get("home-page")?.[0]);
  if (homePage) return homePage;
  const projectUrls = (values.get("project-url") ?? []).map((entry) => {
    const comma = entry.indexOf(",");
    return { label: entry.slice(0, Math.max(comma, 0)).toLowerCase().replace(/[^a-z]/g, ""), url: webUrlOrNull(entry.slice(comma + 1)) };
  });
  for (const labels of [["homepage", "home"], ["source", "sourcecode", "repository", "code", "github"], ["documentation", "docs"]]) {
    const match = projectUrls.find((entry) => entry.url && labels.includes(entry.label));
    if (match?.url) return match.url;
  }
  return null;
}

/** PEP 503 normalization. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

const pep440Pattern =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

function stripZeros(number: string): string {
  return number.replace(/^0+(?=\d)/, "");
}

/**
 * The PEP 440 normal form, with trailing `.0` release parts dropped so that versions PEP 440 calls equal
 * (1.0 and 1.0.0) compare equal as strings. Null when the text is not a PEP 440 version.
 */
export function canonicalVersion(version: string): string | null {
  const match = pep440Pattern.exec(version);
  if (!match) return null;
  const [, epoch, release, preLabel, preNumber, implicitPost, postLabel, postNumber, devLabel, devNumber, local] = match;
  const releaseParts = release!.split(".").map(stripZeros);
  while (releaseParts.length > 1 && releaseParts.at(-1) === "0") releaseParts.pop();
  let canonical = epoch && stripZeros(epoch) !== "0" ? `${stripZeros(epoch)}!` : "";
  canonical += releaseParts.join(".");
  if (preLabel) {
    const label = { alpha: "a", a: "a", beta: "b", b: "b", preview: "rc", pre: "rc", c: "rc", rc: "rc" }[preLabel.toLowerCase()];
    canonical += `${label}${stripZeros(preNumber ?? "0")}`;
  }
  if (implicitPost !== undefined || postLabel) canonical += `.post${stripZeros(implicitPost ?? postNumber ?? "0")}`;
  if (devLabel) canonical += `.dev${stripZeros(devNumber ?? "0")}`;
  if (local) canonical += `+${local.toLowerCase().split(/[-_.]/).map((part) => (/^\d+$/.test(part) ? stripZeros(part) : part)).join(".")}`;
  return canonical;
}

/** Whether a version taken from a file name (where `-` is escaped as `_`) names the declared version. */
export function versionsAgree(fromFilename: string, declared: string): boolean {
  if (fromFilename === declared || fromFilename === declared.replace(/-/g, "_")) return true;
  const canonical = canonicalVersion(fromFilename);
  return canonical !== null && canonical === canonicalVersion(declared);
}
