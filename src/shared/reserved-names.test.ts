import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { protocolFirstSegments } from "@/server/protocols/match";
import { condaSubdirs, isReservedOwnerName, isReservedPackageName, reservedOwnerNames, reservedPackageNames } from "./reserved-names";

const projectRoot = path.resolve(__dirname, "../..");
const appDirectory = path.join(projectRoot, "src", "app");

/** Files of a route folder that Next serves at no path of their own. */
const routeFiles = /^(page|layout|template|loading|error|global-error|not-found|forbidden|unauthorized|default|route|middleware)\.(tsx?|jsx?|mdx)$/;
/** Metadata files served at the app's root under a name of their own (robots.ts is /robots.txt, ...). */
const metadataFiles: [RegExp, (file: string) => string][] = [
  [/^robots\.(ts|js|txt)$/, () => "robots.txt"],
  [/^sitemap\.(ts|js|xml)$/, () => "sitemap.xml"],
  [/^manifest\.(ts|js|json|webmanifest)$/, (file) => (file.endsWith(".json") ? "manifest.json" : "manifest.webmanifest")],
  [/^(favicon\.ico|(icon|apple-icon|opengraph-image|twitter-image)\d*\.\w+)$/, (file) => file.replace(/\.(tsx?|jsx?)$/, "")],
];

/**
 * The first path segments the app's routes answer at, read from the folders under src/app: route groups `(x)` are
 * looked into, dynamic `[x]`, private `_x`, parallel `@x` and intercepting `(.)x` folders answer at no fixed name.
 */
function firstSegmentsOf(directory: string): string[] {
  const segments: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const name = entry.name;
    if (entry.isDirectory()) {
      if (/^\([^.)][^)]*\)$/.test(name)) segments.push(...firstSegmentsOf(path.join(directory, name)));
      else if (!/^[[_@(]/.test(name)) segments.push(name);
      continue;
    }
    if (routeFiles.test(name) || /\.(css|test\.tsx?)$/.test(name)) continue;
    const metadata = metadataFiles.find(([pattern]) => pattern.test(name));
    // Any other file directly under src/app is a component module that no URL reaches.
    if (metadata) segments.push(metadata[1](name));
  }
  return segments;
}

/** Static folders right under an owner's pages, which a package name would shadow. */
function staticSegmentsUnderOwner(): string[] {
  return fs
    .readdirSync(path.join(appDirectory, "[owner]"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !/^[[_@(]/.test(entry.name))
    .map((entry) => entry.name);
}

describe("the app's own routes", () => {
  it("finds the routes it checks", () => {
    expect(firstSegmentsOf(appDirectory)).toEqual(expect.arrayContaining(["admin", "api", "sign-in", "upload"]));
    expect(firstSegmentsOf(appDirectory)).not.toContain("[owner]");
  });

  it("reserves every first path segment of a page or route handler under src/app", () => {
    const unreserved = firstSegmentsOf(appDirectory).filter((segment) => !isReservedOwnerName(segment));
    expect(unreserved, "add these to reservedOwnerNames in src/shared/reserved-names.ts").toEqual([]);
  });

  it("reserves every file served from public/ at the site's root", () => {
    const publicDirectory = path.join(projectRoot, "public");
    const served = fs.existsSync(publicDirectory) ? fs.readdirSync(publicDirectory) : [];
    expect(served.filter((name) => !isReservedOwnerName(name)), "add these to reservedOwnerNames").toEqual([]);
  });

  it("reserves the protocol handler's first segments, including every one match.ts compares a path's first segment with", () => {
    const source = fs.readFileSync(path.join(projectRoot, "src", "server", "protocols", "match.ts"), "utf8");
    const compared = [...source.matchAll(/\bfirst\s*===\s*"([^"]+)"/g)].map((found) => found[1]!);
    expect(compared.length).toBeGreaterThan(0);
    expect(compared.filter((segment) => !protocolFirstSegments.includes(segment)), "list these in protocolFirstSegments").toEqual([]);
    expect(protocolFirstSegments.filter((segment) => !isReservedOwnerName(segment)), "add these to reservedOwnerNames").toEqual([]);
  });

  it("reserves as package names the static pages under an owner", () => {
    const unreserved = staticSegmentsUnderOwner().filter((segment) => !isReservedPackageName(segment));
    expect(unreserved, "add these to reservedPackageNames in src/shared/reserved-names.ts").toEqual([]);
  });
});

describe("reserved owner names", () => {
  it.each(["admin", "api", "t", "settings", "search", "sign-in", "sign-up", "reset-password", "confirm-email", "_next"])(
    "reserves the app route %s",
    (name) => {
      expect(isReservedOwnerName(name)).toBe(true);
    },
  );

  it("ignores case, since owner names are unique case-insensitively", () => {
    expect(isReservedOwnerName("Admin")).toBe(true);
    expect(isReservedOwnerName("SIGN-IN")).toBe(true);
  });

  it.each(["alice", "admins", "my-admin", "signing"])("leaves %s free", (name) => {
    expect(isReservedOwnerName(name)).toBe(false);
  });

  it("stores its names in lower case, or case-insensitive lookups would miss them", () => {
    for (const name of [...reservedOwnerNames, ...reservedPackageNames]) expect(name).toBe(name.toLowerCase());
  });
});

describe("reserved package names", () => {
  it.each(["label", "simple", "pypi", "channeldata.json", "noarch", "linux-64", "osx-arm64", "win-64"])(
    "reserves the protocol segment %s",
    (name) => {
      expect(isReservedPackageName(name)).toBe(true);
    },
  );

  it.each(["settings", "dashboard"])("reserves the owner page %s", (name) => {
    expect(isReservedPackageName(name)).toBe(true);
  });

  it("reserves every conda subdir", () => {
    for (const subdir of condaSubdirs) expect(isReservedPackageName(subdir)).toBe(true);
  });

  it("ignores case", () => {
    expect(isReservedPackageName("NoArch")).toBe(true);
  });

  it.each(["numpy", "labels", "linux"])("leaves %s free", (name) => {
    expect(isReservedPackageName(name)).toBe(false);
  });
});
