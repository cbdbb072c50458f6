/**
 * Access token scopes and the shape of a token's secret: safe for client components and the CLI. The
 * permissions each scope grants live with the policy (src/server/authz/permissions.ts), which reads the
 * descriptions from here so they are written once.
 */

/** Every secret starts with this, so leaked ones can be found by a search for it. */
export const tokenPrefix = "granary-";
/** 43 base62 characters carry 256 bits of randomness. */
export const tokenSecretLength = 43;
export const tokenPattern = /^granary-[A-Za-z0-9]{43}$/;

export function looksLikeToken(value: string): boolean {
  return tokenPattern.test(value);
}

export const defaultTokenLifetimeDays = 365;
export const maxTokenLifetimeDays = 3650;

export const tokenScopeNames = [
  "all",
  "api",
  "api:read",
  "api:write",
  "api:modify-group",
  "conda",
  "conda:download",
  "pypi",
  "pypi:download",
  "pypi:upload",
  "repos",
] as const;

export type TokenScope = (typeof tokenScopeNames)[number];

export function isTokenScope(name: unknown): name is TokenScope {
  return typeof name === "string" && (tokenScopeNames as readonly string[]).includes(name);
}

export const tokenScopeDescriptions: Record<TokenScope, string> = {
  all: "Everything your account may do, except what needs you at a browser: signing in, changing your password or e-mail, deleting the account",
  api: "All API operations: api:read and api:write together",
  "api:read": "Read through the API: your account, packages, tokens and security history (and, for administrators, the admin lists)",
  "api:write": "Change things through the API: packages, labels, stars, uploads of every kind, and tokens",
  "api:modify-group": "Add and modify groups and their members",
  conda: "All operations on conda channels: conda:download and uploads of conda packages",
  "conda:download": "Private downloads from conda channels",
  pypi: "All operations on PyPI indexes: pypi:download and pypi:upload",
  "pypi:download": "Private downloads from PyPI indexes",
  "pypi:upload": "Uploads of Python distributions to PyPI indexes (with twine or the upload API)",
  repos: "Read every package repository: conda channels, PyPI indexes and package pages",
};
