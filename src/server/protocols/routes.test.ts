import { describe, expect, it } from "vitest";
import { allPermissions } from "../authz";
import { compareCondaVersions } from "./conda";
import { parseRange } from "./files";
import { matchProtocolPath, type RouteName } from "./match";
import { negotiateSimpleFormat } from "./pypi";
import { hasMalformedPathEncoding } from "./match";
import { permissionFor, protocolRoutes } from "./routes";

describe("the protocol route table", () => {
  it("declares a known permission, methods and a cookie policy for every route", () => {
    const routes = Object.entries(protocolRoutes);
    expect(routes.length).toBeGreaterThan(10);
    // A permission that depends on the path is asked for each kind of upload the route takes.
    const sampleParams = ["pkg-1.0-0.tar.bz2", "pkg-1.0-0.conda", "pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz", "a.ipynb", "env.yml", "x.exe"].map(
      (filename) => ({ owner: "alice", filename }),
    );
    for (const [name, route] of routes) {
      const declared = typeof route.permission === "function" ? sampleParams.map(route.permission as (params: unknown) => unknown) : [route.permission];
      for (const permission of declared) expect(allPermissions, `route ${name} declares no known permission`).toContain(permission);
      expect(route.methods.length, `route ${name} answers no method`).toBeGreaterThan(0);
      expect(["ignored", "accepted", "requires-x-requested-with"]).toContain(route.sessionCookie);
    }
  });

  it("uses the package permissions for the package protocols", () => {
    expect(protocolRoutes.repodata.permission).toBe("conda:download");
    expect(protocolRoutes.condaDownload.permission).toBe("conda:download");
    expect(protocolRoutes.simpleProject.permission).toBe("pypi:download");
    expect(protocolRoutes.pypiDownload.permission).toBe("pypi:download");
    expect(protocolRoutes.twineUpload.permission).toBe("pypi:upload");
    // The upload API asks for the permission of the kind of file it receives.
    const uploadApi = (filename: string) => permissionFor(matchProtocolPath(`/api/channels/alice/upload/${filename}?sha256=ab`)!);
    expect(uploadApi("pkg-1.0-0.tar.bz2")).toBe("conda:upload");
    expect(uploadApi("pkg-1.0-0.conda")).toBe("conda:upload");
    expect(uploadApi("pkg-1.0-py3-none-any.whl")).toBe("pypi:upload");
    expect(uploadApi("pkg-1.0.tar.gz")).toBe("pypi:upload");
    expect(uploadApi("pkg-1.0.zip")).toBe("pypi:upload");
    expect(uploadApi("analysis.ipynb")).toBe("package:upload");
    expect(uploadApi("environment.yaml")).toBe("package:upload");
    expect(uploadApi("setup.exe")).toBe("package:upload");
    // Only the upload used by the web UI takes the session cookie, and only with the CSRF header.
    expect(protocolRoutes.condaUpload.sessionCookie).toBe("requires-x-requested-with");
    expect(protocolRoutes.twineUpload.sessionCookie).toBe("ignored");
    expect(protocolRoutes.repodata.sessionCookie).toBe("ignored");
  });
});

describe("matchProtocolPath", () => {
  const routeOf = (target: string): RouteName | null => matchProtocolPath(target)?.route ?? null;

  it("leaves pages to the web app", () => {
    for (const target of ["/", "/alice", "/alice/numpy", "/alice/numpy?tab=files", "/search?q=x", "/api/trpc/x", "/_next/static/a.js", "/settings/account", "/admin/users"]) {
      expect(routeOf(target), target).toBeNull();
    }
  });

  it("calls control characters and bad encoding in a protocol path or query malformed, and leaves pages to the web app", () => {
    for (const target of ["/alice%00/noarch/repodata.json", "/alice/noarch/%E0%A4%A.conda", "/alice/simple/a%0Ab/", "/api/channels/al%00ice/upload/x.conda"]) {
      expect(routeOf(target), target).toBe("malformed");
    }
    for (const target of ["/alice/simple/?x=%00", "/alice/noarch/repodata.json?%1B=1", "/api/channels/alice/upload/x.conda?label=a%0D%0Ab"]) {
      expect(routeOf(target), target).toBe("malformed");
    }
    expect(routeOf("/alice/numpy?tab=%00")).toBeNull();
    expect(routeOf("/alice/simple/?x=%25")).toBe("simpleIndex");
  });

  it("tells the launcher which page paths cannot be decoded at all", () => {
    for (const target of ["/%E0%A4%A", "/%ZZ", "/about%", "/alice/%E0?x=1"]) expect(hasMalformedPathEncoding(target), target).toBe(true);
    for (const target of ["/", "/alice", "/na%C3%AFve", "/search?q=%ZZ", "/alice/%00"]) expect(hasMalformedPathEncoding(target), target).toBe(false);
  });

  it("recognizes conda channel paths with and without labels", () => {
    expect(matchProtocolPath("/alice/channeldata.json")).toEqual({ route: "channeldata", params: { owner: "alice", label: "main" } });
    expect(matchProtocolPath("/Alice/label/dev/noarch/repodata.json")).toEqual({
      route: "repodata",
      params: { owner: "Alice", label: "dev", subdir: "noarch", compression: "none" },
    });
    expect(matchProtocolPath("/alice/linux-64/current_repodata.json")?.route).toBe("repodata");
    expect(matchProtocolPath("/alice/linux-64/repodata.json.bz2")).toMatchObject({ params: { compression: "bzip2" } });
    expect(routeOf("/alice/noarch/repodata.json.zst")).toBe("condaIndexProbe");
    expect(routeOf("/alice/noarch/repodata_shards.msgpack.zst")).toBe("condaIndexProbe");
    expect(matchProtocolPath("/alice/label/dev/osx-arm64/pkg-1.0-0.conda")).toEqual({
      route: "condaDownload",
      params: { owner: "alice", label: "dev", subdir: "osx-arm64", filename: "pkg-1.0-0.conda" },
    });
    expect(routeOf("/alice/noarch/")).toBe("notFound");
    expect(routeOf("/alice/label/")).toBe("notFound");
    expect(routeOf("/alice/label/dev")).toBeNull();
  });

  it("normalizes PyPI project names and trailing slashes with redirects", () => {
    expect(matchProtocolPath("/alice/simple")).toEqual({ route: "simpleRedirect", params: { location: "/alice/simple/" } });
    expect(matchProtocolPath("/alice/simple/")).toEqual({ route: "simpleIndex", params: { owner: "alice", label: "main" } });
    expect(matchProtocolPath("/alice/simple/Foo_Bar.baz/")).toEqual({ route: "simpleRedirect", params: { location: "/alice/simple/foo-bar-baz/" } });
    expect(matchProtocolPath("/alice/simple/foo-bar")).toEqual({ route: "simpleRedirect", params: { location: "/alice/simple/foo-bar/" } });
    expect(matchProtocolPath("/alice/label/dev/simple/Foo?x=1")).toEqual({ route: "simpleRedirect", params: { location: "/alice/label/dev/simple/foo/?x=1" } });
    expect(matchProtocolPath("/alice/simple/foo-bar/")).toEqual({
      route: "simpleProject",
      params: { owner: "alice", label: "main", labelled: false, project: "foo-bar" },
    });
  });

  it("recognizes files, metadata and uploads", () => {
    expect(matchProtocolPath("/alice/pypi/files/demo-1.0-py3-none-any.whl.metadata")).toEqual({
      route: "pypiMetadata",
      params: { owner: "alice", filename: "demo-1.0-py3-none-any.whl" },
    });
    expect(matchProtocolPath("/alice/pypi/files/demo-1.0%2Blocal-py3-none-any.whl")).toMatchObject({
      route: "pypiDownload",
      params: { filename: "demo-1.0+local-py3-none-any.whl" },
    });
    expect(routeOf("/alice/pypi/legacy/")).toBe("twineUpload");
    expect(routeOf("/alice/pypi/legacy")).toBe("twineUpload");
    expect(matchProtocolPath("/alice/files/notebooks/analysis.ipynb")).toEqual({
      route: "fileDownload",
      params: { owner: "alice", subdir: "notebooks", filename: "analysis.ipynb" },
    });
    expect(routeOf("/alice/files/elsewhere/analysis.ipynb")).toBe("notFound");
    expect(matchProtocolPath("/api/channels/alice/upload/pkg-1.0-0.tar.bz2?sha256=ab")).toEqual({
      route: "condaUpload",
      params: { owner: "alice", filename: "pkg-1.0-0.tar.bz2" },
    });
    expect(routeOf("/api/channels/alice/other")).toBe("notFound");
    expect(routeOf("/alice/label/dev/pypi/files/x.whl")).toBe("notFound");
  });
});

describe("byte ranges", () => {
  it("resolves single ranges and refuses impossible ones", () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,5-6", 100)).toBeNull();
    expect(parseRange("items=0-1", 100)).toBeNull();
    expect(parseRange("bytes=9-1", 100)).toBeNull();
  });
});

describe("PEP 691 content negotiation", () => {
  it("follows q-values and defaults to HTML", () => {
    expect(negotiateSimpleFormat(undefined)).toBe("html");
    expect(negotiateSimpleFormat("*/*")).toBe("html");
    expect(negotiateSimpleFormat("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01")).toBe("json");
    expect(negotiateSimpleFormat("application/vnd.pypi.simple.v1+html")).toBe("html-v1");
    expect(negotiateSimpleFormat("text/html, application/vnd.pypi.simple.v1+json;q=0.5")).toBe("html");
    expect(negotiateSimpleFormat("application/vnd.pypi.simple.latest+json")).toBe("json");
    expect(negotiateSimpleFormat("image/png")).toBe("html");
  });
});

describe("conda version order for channeldata", () => {
  it("orders versions as conda does for ordinary cases", () => {
    const sorted = ["1.10", "1.2", "1.2.1", "1.2dev", "2.0", "1!0.1", "1.2.post1"].sort(compareCondaVersions);
    expect(sorted).toEqual(["1.2dev", "1.2", "1.2.1", "1.2.post1", "1.10", "2.0", "1!0.1"]);
  });
});
