import { describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
const { siteAddressFrom } = await import("./site-url");
const { publicUrl } = await import("@/env");

const request = (entries: Record<string, string>) => new Headers(entries);

describe("the site's address in printed commands", () => {
  it("is the site URL when one is set, whatever the request says", () => {
    expect(siteAddressFrom(request({ host: "evil.example" }), { publicUrl: "https://granary.example.org/", trustProxy: true })).toBe("https://granary.example.org");
  });

  it("is the address of the request otherwise, not localhost", () => {
    expect(siteAddressFrom(request({ host: "10.1.2.3:3000" }), { publicUrl: undefined, trustProxy: false })).toBe("http://10.1.2.3:3000");
  });

  it("believes the forwarded host and protocol only behind a trusted proxy", () => {
    const proxied = request({ host: "127.0.0.1:3000", "x-forwarded-host": "packages.example.org", "x-forwarded-proto": "https" });
    expect(siteAddressFrom(proxied, { publicUrl: undefined, trustProxy: true })).toBe("https://packages.example.org");
    expect(siteAddressFrom(proxied, { publicUrl: undefined, trustProxy: false })).toBe("http://127.0.0.1:3000");
  });

  it("ignores a Host header that is not a host name", () => {
    expect(siteAddressFrom(request({ host: "a b/<script>" }), { publicUrl: undefined, trustProxy: false })).toBe(publicUrl());
  });
});
