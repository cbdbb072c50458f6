import { describe, expect, it } from "vitest";
import { defaultReturnPath, safeReturnPath, signInPath, signUpPath } from "./return-path";

/** What `?next=` holds once the page has decoded its query: each case as the page receives it. */
const bypasses: [string, string][] = [
  ["protocol-relative", "//evil.example/x"],
  ["backslash", "/\\evil.example/x"],
  ["backslash first", "\\\\evil.example/x"],
  ["tab that a browser drops (?next=/%09/evil)", "/\t/evil.example/x"],
  ["newline that a browser drops (?next=/%0a/evil)", "/\n/evil.example/x"],
  ["carriage return", "/\r/evil.example/x"],
  ["NUL", "/\u0000/evil.example/x"],
  ["encoded slashes decoded once (?next=/%2F%2Fevil)", "///evil.example/x"],
  ["dot segment that leaves a double slash", "/.//evil.example/x"],
  ["dot-dot segment that leaves a double slash", "/a/..//evil.example/x"],
  ["absolute URL", "https://evil.example/x"],
  ["scheme without slashes", "https:evil.example"],
  ["scheme-relative with credentials", "//user@evil.example"],
  ["javascript:", "javascript:alert(document.cookie)"],
  ["JavaScript: in another case", "JaVaScRiPt:alert(1)"],
  ["data:", "data:text/html,<script>alert(1)</script>"],
  ["leading space", " //evil.example"],
  ["relative path", "evil.example/x"],
  ["empty", ""],
];

describe("safeReturnPath", () => {
  it.each(bypasses)("refuses %s", (_name, candidate) => {
    expect(safeReturnPath(candidate)).toBe(defaultReturnPath);
  });

  it.each([
    ["/dashboard", "/dashboard"],
    ["/alice/numpy-tools", "/alice/numpy-tools"],
    ["/search?q=numpy&kind=conda", "/search?q=numpy&kind=conda"],
    ["/settings/security#sessions", "/settings/security#sessions"],
    // Still-encoded slashes are a path on this site: the browser does not decode them into a host.
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
    ["/a/../b", "/b"],
    ["/naïve path", "/na%C3%AFve%20path"],
  ])("keeps the same-site path %s", (candidate, expected) => {
    expect(safeReturnPath(candidate)).toBe(expected);
  });

  it("takes the first of repeated parameters and uses the fallback for none", () => {
    expect(safeReturnPath(["/upload", "//evil.example"])).toBe("/upload");
    expect(safeReturnPath(undefined)).toBe(defaultReturnPath);
    expect(safeReturnPath(null, "/")).toBe("/");
  });

  it("builds sign-in and sign-up links that carry only safe paths", () => {
    expect(signInPath("/alice/settings/access")).toBe("/sign-in?next=%2Falice%2Fsettings%2Faccess");
    expect(signInPath("//evil.example")).toBe("/sign-in?next=%2Fdashboard");
    expect(signUpPath("/upload")).toBe("/sign-up?next=%2Fupload");
    expect(signUpPath("/dashboard")).toBe("/sign-up");
  });
});
