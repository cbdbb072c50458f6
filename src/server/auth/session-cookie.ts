/**
 * Reading the browser session next-auth's cookie carries, for the web app (auth/actor.ts) and the protocol handler
 * (protocols/credentials.ts) alike: the cookie is an encrypted JWT naming the account, the session version and the
 * session record; whether that session is still live is for the caller to check against the database on every
 * request (services/sessions.ts, resolveSession), which is how a sign-out ends every copy of the cookie at once.
 *
 * Decrypting the cookie derives its key (HKDF) and decrypts the JWE on every request: a millisecond of CPU each
 * time, for the same few cookies again and again. Decryption depends only on the cookie, the secret and the cookie's
 * name, so what a cookie decrypts to is remembered until the token's own expiry (at most `decodedCookieEntries`
 * cookies, the oldest forgotten first). Nothing a session's end changes is remembered here.
 */
import { decode } from "next-auth/jwt";
import type { BrowserSession } from "../services/account-records";

/** next-auth v5's session cookie, plain over http and `__Secure-` prefixed over https. */
export const sessionCookieNames = ["__Secure-authjs.session-token", "authjs.session-token"] as const;

const decodedCookieEntries = 10_000;

interface DecodedCookie {
  session: BrowserSession | null;
  /** When the token itself expires (its `exp`), in epoch milliseconds. */
  expiresAt: number;
}

const decodedCookies = new Map<string, DecodedCookie>();

function remember(key: string, decoded: DecodedCookie): void {
  if (decodedCookies.size >= decodedCookieEntries) {
    const oldest = decodedCookies.keys().next();
    if (!oldest.done) decodedCookies.delete(oldest.value);
  }
  decodedCookies.set(key, decoded);
}

async function decodeSessionToken(token: string, secret: string, salt: string, now: number): Promise<BrowserSession | null> {
  // The secret is part of the key: tests (and a secret rotated by a restart) never see another secret's result.
  const key = `${salt}\u0000${secret}\u0000${token}`;
  const known = decodedCookies.get(key);
  if (known) {
    if (known.expiresAt > now) return known.session;
    decodedCookies.delete(key);
  }
  let payload;
  try {
    payload = await decode({ token, secret, salt });
  } catch {
    // A stale, tampered or foreign cookie names nobody; not remembered, so a flood of them fills nothing.
    return null;
  }
  if (!payload || typeof payload.exp !== "number") return null;
  // A cookie from before sessions had records names none: it no longer signs anyone in.
  const session =
    typeof payload.sub === "string" && typeof payload.sv === "number" && typeof payload.sid === "string"
      ? { userId: payload.sub, sessionVersion: payload.sv, sessionId: payload.sid }
      : null;
  remember(key, { session, expiresAt: payload.exp * 1000 });
  return session;
}

function parseCookies(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator === -1) continue;
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (name && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** next-auth splits a large session cookie into `name.0`, `name.1`, ...; a small one stays whole. */
function cookieValue(cookies: Map<string, string>, name: string): string | null {
  const whole = cookies.get(name);
  if (whole) return whole;
  const chunks: string[] = [];
  for (let index = 0; cookies.has(`${name}.${index}`); index += 1) chunks.push(cookies.get(`${name}.${index}`)!);
  return chunks.length ? chunks.join("") : null;
}

/**
 * The session a request's Cookie header carries, or null for none (or a cookie that does not decrypt, has expired,
 * or predates session records). The caller still checks that the session is live.
 */
export async function sessionFromCookieHeader(cookieHeader: string | null | undefined, secret: string | undefined): Promise<BrowserSession | null> {
  if (!cookieHeader || !secret) return null;
  const cookies = parseCookies(cookieHeader);
  for (const name of sessionCookieNames) {
    const token = cookieValue(cookies, name);
    if (token) return decodeSessionToken(token, secret, name, Date.now());
  }
  return null;
}
