/**
 * Where a page sends the browser back to after signing in or up: a path on this site, never anywhere else. The
 * candidate is resolved the way a browser resolves a Location header (which drops tabs and newlines and reads a
 * backslash as a slash), and kept only when it stays on the site and serializes to a path that cannot be read as
 * another host. Anything else, including text a Location header could not even carry, gets the default page.
 */
import { hasControlCharacter } from "./schemas/account";

export const defaultReturnPath = "/dashboard";

/** A stand-in for the site's own origin: only whether a target leaves it matters, not what it is. */
const site = new URL("https://granary.invalid");

export function safeReturnPath(candidate: string | string[] | null | undefined, fallback = defaultReturnPath): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  if (!value || !value.startsWith("/") || value.includes("\\") || hasControlCharacter(value)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(value, site);
  } catch {
    return fallback;
  }
  if (resolved.origin !== site.origin) return fallback;
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // `/.//evil.example` resolves to the path `//evil.example`, which a browser would take for another host.
  return path.startsWith("//") ? fallback : path;
}

/** The sign-in page, coming back to `returnPath` afterwards. */
export function signInPath(returnPath: string): string {
  return `/sign-in?next=${encodeURIComponent(safeReturnPath(returnPath))}`;
}

/** The sign-up page, coming back to `returnPath` afterwards. */
export function signUpPath(returnPath: string): string {
  const target = safeReturnPath(returnPath);
  return target === defaultReturnPath ? "/sign-up" : `/sign-up?next=${encodeURIComponent(target)}`;
}
