import { encode } from "next-auth/jwt";
import { describe, expect, it, vi } from "vitest";
import { sessionFromCookieHeader } from "./session-cookie";

const secret = "a-test-secret-of-enough-length-for-next-auth";
const name = "authjs.session-token";

async function cookieFor(claims: Record<string, unknown>, options: { salt?: string; maxAge?: number; secret?: string } = {}) {
  return encode({ token: claims, secret: options.secret ?? secret, salt: options.salt ?? name, maxAge: options.maxAge ?? 3600 });
}

describe("the session cookie", () => {
  it("names the account, the session version and the session record", async () => {
    const token = await cookieFor({ sub: "user-1", sv: 3, sid: "session-1" });
    expect(await sessionFromCookieHeader(`theme=dark; ${name}=${token}`, secret)).toEqual({ userId: "user-1", sessionVersion: 3, sessionId: "session-1" });
    // Over https next-auth prefixes the name, and the name is the key's salt.
    const secure = await cookieFor({ sub: "user-2", sv: 1, sid: "session-2" }, { salt: `__Secure-${name}` });
    expect(await sessionFromCookieHeader(`__Secure-${name}=${secure}`, secret)).toMatchObject({ userId: "user-2" });
    expect(await sessionFromCookieHeader(`${name}=${secure}`, secret)).toBeNull();
  });

  it("joins a cookie next-auth split into chunks", async () => {
    const token = await cookieFor({ sub: "user-3", sv: 1, sid: "session-3" });
    const half = Math.floor(token.length / 2);
    expect(await sessionFromCookieHeader(`${name}.0=${token.slice(0, half)}; ${name}.1=${token.slice(half)}`, secret)).toMatchObject({ userId: "user-3" });
  });

  it("names nobody for a tampered, foreign, expired or pre-record cookie, or none", async () => {
    const token = await cookieFor({ sub: "user-4", sv: 1, sid: "session-4" });
    const tampered = `${token.slice(0, -4)}${token.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    expect(await sessionFromCookieHeader(`${name}=${tampered}`, secret)).toBeNull();
    expect(await sessionFromCookieHeader(`${name}=${await cookieFor({ sub: "user-4", sv: 1, sid: "session-4" }, { secret: "another-secret-entirely-of-some-length" })}`, secret)).toBeNull();
    expect(await sessionFromCookieHeader(`${name}=${await cookieFor({ sub: "user-4", sv: 1 })}`, secret)).toBeNull();
    expect(await sessionFromCookieHeader(`${name}=${token}`, undefined)).toBeNull();
    expect(await sessionFromCookieHeader("theme=dark", secret)).toBeNull();
    expect(await sessionFromCookieHeader(undefined, secret)).toBeNull();
  });

  it("is remembered once decrypted, but never past the token's own expiry", async () => {
    const expired = await cookieFor({ sub: "user-5", sv: 2, sid: "session-5" }, { maxAge: -60 });
    expect(await sessionFromCookieHeader(`${name}=${expired}`, secret)).toBeNull();
    const token = await cookieFor({ sub: "user-5", sv: 2, sid: "session-5" }, { maxAge: 60 });
    expect(await sessionFromCookieHeader(`${name}=${token}`, secret)).toMatchObject({ userId: "user-5" });
    // What is remembered is keyed by the secret too: another secret's reading of the same cookie is its own.
    expect(await sessionFromCookieHeader(`${name}=${token}`, "another-secret-entirely-of-some-length")).toBeNull();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 30_000);
      expect(await sessionFromCookieHeader(`${name}=${token}`, secret)).toMatchObject({ userId: "user-5" });
      // Past its expiry (and next-auth's 15 s of tolerance) the remembered reading is dropped, and decoding refuses it.
      vi.setSystemTime(Date.now() + 60_000);
      expect(await sessionFromCookieHeader(`${name}=${token}`, secret)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
