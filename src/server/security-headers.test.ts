import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { pageSecurityHeaders, protocolSecurityHeaders, servedOverHttps } from "./security-headers";

function request(headers: Record<string, string> = {}): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

const plain = { publicUrl: "http://localhost:3000", trustProxy: false };
const behindProxy = { publicUrl: "http://granary.internal:3000", trustProxy: true };
const secure = { publicUrl: "https://granary.example.com", trustProxy: false };

/** A policy's directives by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(";").map((directive) => directive.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

describe("security headers", () => {
  it("keep every page out of other sites' frames and stop content sniffing and referrers", () => {
    const headers = new Map(pageSecurityHeaders(request(), plain));
    const policy = directives(headers.get("Content-Security-Policy")!);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
    expect(headers.get("X-Frame-Options")).toBe("DENY");
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(headers.get("Referrer-Policy")).toBe("same-origin");
  });

  it("let pages load scripts, styles, frames and connections from this site only, and images from it and Gravatar", () => {
    const policy = directives(new Map(pageSecurityHeaders(request(), plain)).get("Content-Security-Policy")!);
    for (const name of ["default-src", "script-src", "style-src", "connect-src", "img-src", "font-src", "form-action", "base-uri"]) {
      const sources = policy.get(name) ?? [];
      expect(sources, name).toContain("'self'");
      expect(sources.filter((source) => source === "*" || source === "https:" || source === "http:"), name).toEqual([]);
    }
    expect(policy.get("img-src")).toEqual(["'self'", "data:", "https://www.gravatar.com"]);
    expect(policy.get("object-src")).toEqual(["'none'"]);
    // Production pages evaluate no code.
    expect(policy.get("script-src")).not.toContain("'unsafe-eval'");
    expect(directives(new Map(pageSecurityHeaders(request(), { ...plain, development: true })).get("Content-Security-Policy")!).get("script-src")).toContain(
      "'unsafe-eval'",
    );
  });

  it("give protocol answers a policy that allows nothing and sandboxes what a browser makes of a file", () => {
    const headers = new Map(protocolSecurityHeaders(request(), plain));
    expect(headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("send Strict-Transport-Security only when the site is reached over HTTPS", () => {
    expect(servedOverHttps(request(), plain)).toBe(false);
    expect(servedOverHttps(request({ "x-forwarded-proto": "https" }), plain)).toBe(false);
    expect(servedOverHttps(request({ "x-forwarded-proto": "https" }), behindProxy)).toBe(true);
    expect(servedOverHttps(request({ "x-forwarded-proto": "https, http" }), behindProxy)).toBe(true);
    expect(servedOverHttps(request({ "x-forwarded-proto": "http" }), behindProxy)).toBe(false);
    expect(servedOverHttps(request(), secure)).toBe(true);

    expect(new Map(pageSecurityHeaders(request(), plain)).has("Strict-Transport-Security")).toBe(false);
    const overHttps = new Map(pageSecurityHeaders(request(), secure));
    expect(overHttps.get("Strict-Transport-Security")).toBe("max-age=31536000");
    expect(overHttps.get("Content-Security-Policy")).toContain("upgrade-insecure-requests");
    expect(new Map(protocolSecurityHeaders(request({ "x-forwarded-proto": "https" }), behindProxy)).get("Strict-Transport-Security")).toBe("max-age=31536000");
  });
});
