/** Parsers for option values; each throws a usage error (exit code 2) with the reason. */
import { usageError } from "./errors";

const daysPerUnit: Record<string, number> = { d: 1, w: 7, y: 365 };

/** `30d`, `12w`, `1y` or a bare number of days (`365`) → days. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*([dwy]?)\s*$/i.exec(text);
  const amount = match ? Number(match[1]) : NaN;
  if (!match || !Number.isSafeInteger(amount) || amount <= 0) {
    throw usageError(`"${text}" is not a duration: write a number of days (365) or a number with d, w or y (30d, 12w, 1y).`);
  }
  const unit = (match[2] || "d").toLowerCase();
  return amount * (daysPerUnit[unit] ?? 1);
}

const scopePattern = /^[a-z][a-z-]*(:[a-z][a-z-]*)?$/;

/** Scopes as anaconda-client takes them: a space (or comma) separated list, the option given once or more. */
export function parseScopes(values: readonly string[]): string[] {
  const scopes = [...new Set(values.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean))];
  if (scopes.length === 0) throw usageError("Give at least one scope, e.g. --scopes 'repos conda:download' (see `granary auth --list-scopes`).");
  const malformed = scopes.filter((scope) => !scopePattern.test(scope));
  if (malformed.length > 0) {
    throw usageError(`Malformed scope ${malformed.map((scope) => `"${scope}"`).join(", ")}: scopes look like "all", "repos" or "conda:download".`);
  }
  return scopes;
}

/** `OWNER/PACKAGE` → its two parts. */
export function parsePackageSpec(text: string): { owner: string; name: string } {
  const parts = text.split("/");
  const [owner, name] = parts;
  if (parts.length !== 2 || !owner || !name) throw usageError(`"${text}" is not OWNER/PACKAGE, e.g. alice/numpy-tools.`);
  return { owner, name };
}

export function parsePositiveInteger(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) throw usageError(`${what} must be a positive whole number, not "${text}".`);
  return value;
}
