/**
 * What an `Authorization` header presents, parsed once for both places that accept one: the API (scripts, the
 * CLI) and the package protocols (pip, poetry, twine, conda, ...), so they accept exactly the same credentials.
 *
 * - `Bearer <token>`
 * - `Basic` with the user name `__token__` and a token as the password (pip, twine, poetry)
 * - `Basic` with an account's username or e-mail and a token as the password (what those clients send when the
 *   user name in the index URL is the account's own)
 * - `Basic` with a username or e-mail and the account's password
 *
 * This runs on every authenticated package request, hence string scanning rather than regular expressions.
 */
import { looksLikeToken } from "@/shared/token-scopes";
import { AppError } from "../errors";

export type PresentedCredentials =
  | { kind: "token"; secret: string; scheme: "bearer" | "basic"; /** The Basic user name, when not `__token__`. */ login?: string }
  | { kind: "password"; login: string; password: string };

export const wrongCredentialsMessage = "The username, e-mail or password is not right.";

/** Parses the header; throws UNAUTHORIZED (never anything else) for a scheme or a value it cannot use. */
export function parseAuthorizationHeader(header: string): PresentedCredentials {
  const trimmed = header.trim();
  const space = firstWhitespace(trimmed);
  const scheme = space === -1 ? trimmed : trimmed.slice(0, space);
  const value = space === -1 ? "" : trimmed.slice(space + 1).trimStart();
  switch (scheme.toLowerCase()) {
    case "bearer":
      return { kind: "token", secret: value, scheme: "bearer" };
    case "basic": {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const separator = decoded.indexOf(":");
      if (separator === -1) throw new AppError("UNAUTHORIZED", "The Basic credentials are malformed: send username:password.");
      const login = decoded.slice(0, separator);
      const password = decoded.slice(separator + 1);
      // PostgreSQL refuses NUL in text: such credentials are simply wrong, not a server error.
      if (login.includes("\0") || password.includes("\0")) throw new AppError("UNAUTHORIZED", wrongCredentialsMessage);
      if (login === "__token__") return { kind: "token", secret: password, scheme: "basic" };
      if (looksLikeToken(password.trim())) return { kind: "token", secret: password, scheme: "basic", login };
      return { kind: "password", login, password };
    }
    default:
      throw new AppError("UNAUTHORIZED", `The ${scheme || "empty"} authorization scheme is not supported; use Bearer with an access token, or Basic.`);
  }
}

/** Index of the first space or tab (what separates an HTTP auth scheme from its value), or -1. */
function firstWhitespace(text: string): number {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x20 || code === 0x09) return index;
  }
  return -1;
}
