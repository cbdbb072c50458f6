/** `granary search` and `granary show`. */
import type { RouterInputs, RouterOutputs } from "../client";
import type { CliContext } from "./context";
import { usageError } from "./errors";
import { formatBytes, formatDate, table, toJson } from "./format";
import { parsePackageSpec, parsePositiveInteger } from "./parse";

type PackageKind = NonNullable<RouterInputs["packages"]["search"]["kind"]>;
const packageKinds: readonly PackageKind[] = ["all", "package", "conda", "pypi", "notebook", "environment"];

type SearchResult = RouterOutputs["packages"]["search"];
type PackageDetails = RouterOutputs["packages"]["get"];

function shorten(text: string | null, length: number): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

export function renderSearch(result: SearchResult, query: string): string {
  if (result.items.length === 0) return query ? `No packages match "${query}".\n` : "No packages.\n";
  const rows = result.items.map((item) => [
    `${item.owner}/${item.name}`,
    item.latestVersion ?? "",
    item.fileTypes.join(", "),
    item.isPrivate ? "private" : "public",
    shorten(item.summary, 60),
  ]);
  const first = (result.page - 1) * result.pageSize + 1;
  const last = first + result.items.length - 1;
  let footer = `${first}-${last} of ${result.total}`;
  if (last < result.total) footer += `; next page: granary search ${query ? `${JSON.stringify(query)} ` : ""}--page ${result.page + 1}`;
  return `${table(["PACKAGE", "VERSION", "TYPE", "ACCESS", "SUMMARY"], rows)}${footer}\n`;
}

export async function search(context: CliContext, terms: string[], options: { kind?: string; page?: string; json?: boolean }): Promise<void> {
  const query = terms.join(" ").trim();
  const kind = (options.kind ?? "all") as PackageKind;
  if (!packageKinds.includes(kind)) throw usageError(`--kind is one of ${packageKinds.join(", ")}, not "${options.kind}".`);
  const page = options.page === undefined ? 1 : parsePositiveInteger(options.page, "--page");
  const result = await (await context.client()).packages.search.query({ query, kind, page });
  context.out(options.json ? toJson(result) : renderSearch(result, query));
}

/** How to install the package with the clients its files are for. */
export function installCommands(pkg: PackageDetails, url: string): string[] {
  const types = new Set(pkg.files.map((file) => file.fileType));
  const channel = `${url}/${pkg.owner}`;
  const tokenChannel = `${url}/t/$GRANARY_TOKEN/${pkg.owner}`;
  const base = pkg.isPrivate ? tokenChannel : channel;
  const commands: string[] = [];
  if (types.has("conda")) {
    const labels = new Set(pkg.files.filter((file) => file.fileType === "conda").flatMap((file) => (file.labels.length ? file.labels : ["main"])));
    if (labels.has("main")) commands.push(`conda install -c ${base} ${pkg.name}`);
    for (const label of [...labels].filter((label) => label !== "main").sort()) commands.push(`conda install -c ${base}/label/${label} ${pkg.name}`);
  }
  if (types.has("wheel") || types.has("sdist")) commands.push(`pip install --index-url ${base}/simple/ ${pkg.name}`);
  for (const file of pkg.files.filter((candidate) => candidate.fileType === "notebook" || candidate.fileType === "environment").slice(0, 1)) {
    commands.push(`curl -O ${base}/files/${encodeURIComponent(file.subdir)}/${encodeURIComponent(file.filename)}`);
  }
  return commands;
}

export function renderPackage(pkg: PackageDetails, url: string): string {
  const lines = [`${pkg.owner}/${pkg.name}${pkg.latestVersion ? ` ${pkg.latestVersion}` : ""}${pkg.isPrivate ? " (private)" : ""}`];
  if (pkg.summary) lines.push(pkg.summary);
  const facts = [
    pkg.license ? `license: ${pkg.license}` : null,
    pkg.homepage ? `home: ${pkg.homepage}` : null,
    `stars: ${pkg.stars}`,
    `downloads: ${pkg.files.reduce((total, file) => total + file.downloadCount, 0)}`,
    `updated: ${formatDate(pkg.updatedAt)}`,
  ].filter(Boolean);
  lines.push(facts.join("  |  "), "");
  if (pkg.files.length === 0) {
    lines.push("No files.");
  } else {
    lines.push(
      `Files (${pkg.files.length}):`,
      table(
        ["VERSION", "FILE", "PLATFORM", "LABELS", "SIZE", "UPLOADED"],
        pkg.files.map((file) => [file.version, file.filename, file.subdir, (file.labels.length ? file.labels : ["main"]).join(", "), formatBytes(file.size), formatDate(file.createdAt)]),
      ).trimEnd(),
    );
  }
  const commands = installCommands(pkg, url);
  if (commands.length > 0) lines.push("", "Install:", ...commands.map((command) => `  ${command}`));
  lines.push("", `Page: ${url}/${pkg.owner}/${pkg.name}`);
  return `${lines.join("\n")}\n`;
}

export async function show(context: CliContext, spec: string, options: { json?: boolean }): Promise<void> {
  const { owner, name } = parsePackageSpec(spec);
  const pkg = await (await context.client()).packages.get.query({ owner, name });
  context.out(options.json ? toJson(pkg) : renderPackage(pkg, await context.serverUrl()));
}
