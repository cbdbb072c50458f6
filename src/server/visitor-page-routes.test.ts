import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { isVisitorPageRequest, visitorPagePath, visitorSearchFromSegment, visitorSearchSegment } from "./visitor-page-routes";

const known = { siteAddressKnown: true };
const request = (url: string, headers: Record<string, string> = {}, method = "GET") => ({ url, method, headers }) as unknown as IncomingMessage;

describe("the visitor pages' addresses", () => {
  it("are the home page, the terms, sign-in, owners' and packages' pages without a query, and searches", () => {
    for (const url of ["/", "/terms", "/sign-in", "/alice", "/alice/numpy", "/my-org/data.tools"]) expect(visitorPagePath(url, known)).toBe(url);
    expect(visitorPagePath("/alice?_rsc=1x2y", known)).toBe("/alice");
    for (const url of ["/search", "/search?q=numpy", "/search?q=a+b&kind=conda&sort=downloads&page=2&_rsc=x"]) expect(visitorPagePath(url, known)).toBe("/search");
  });

  it("carry a search's parameters in one segment of the address, and only the search page's own", () => {
    const segment = visitorSearchSegment("/search?q=na%C3%AFve%20%2F%20x&label=dev&label=main&_rsc=abc")!;
    expect(segment).toMatch(/^s[A-Za-z0-9_-]*$/);
    expect(visitorSearchFromSegment(segment)).toEqual({ q: "naïve / x", label: ["dev", "main"] });
    expect(visitorSearchSegment("/search")).toBe("s");
    expect(visitorSearchFromSegment("s")).toEqual({});
    expect(visitorSearchSegment("/search?q=x&next=/admin")).toBeNull();
    expect(visitorSearchSegment(`/search?q=${"x".repeat(700)}`)).toBeNull();
    expect(visitorSearchFromSegment("not-a-segment")).toEqual({});
    expect(visitorSearchFromSegment(`s${Buffer.from("q=x&next=/admin").toString("base64url")}`)).toEqual({ q: "x" });
  });

  it("leave out every other page, any query, and names no owner or package can have", () => {
    for (const url of [
      "/search?q=numpy&next=/admin",
      "/admin",
      "/dashboard",
      "/settings/account",
      "/sign-in?next=/upload",
      "/alice?kind=conda",
      "/alice/numpy?transferredFrom=bob",
      "/alice/settings",
      "/alice/noarch",
      "/alice/numpy/settings",
      "/visitor-pages/1/alice",
      "/_next/static/chunk.js",
      "/favicon.svg",
      "/al%20ice",
      "/.hidden",
    ])
      expect(visitorPagePath(url, known), url).toBeNull();
  });

  it("leave out packages' pages while the site's address is unknown, which they print from the request", () => {
    expect(visitorPagePath("/alice/numpy", { siteAddressKnown: false })).toBeNull();
    expect(visitorPagePath("/alice", { siteAddressKnown: false })).toBe("/alice");
  });
});

describe("a visitor page request", () => {
  it("is a page view without a session or any credential", () => {
    expect(isVisitorPageRequest(request("/alice"), known)).toBe(true);
    expect(isVisitorPageRequest(request("/alice", {}, "HEAD"), known)).toBe(true);
    expect(isVisitorPageRequest(request("/alice", { cookie: "theme=dark; authjs.csrf-token=x" }), known)).toBe(true);
  });

  it("is never one that carries a session, a token or a password, nor a change", () => {
    for (const cookie of ["authjs.session-token=abc", "a=b; __Secure-authjs.session-token=abc", "authjs.session-token.0=abc"])
      expect(isVisitorPageRequest(request("/alice", { cookie }), known), cookie).toBe(false);
    for (const name of ["authorization", "x-api-key", "x-granary-path-token"]) expect(isVisitorPageRequest(request("/alice", { [name]: "x" }), known), name).toBe(false);
    expect(isVisitorPageRequest(request("/alice", {}, "POST"), known)).toBe(false);
  });
});
