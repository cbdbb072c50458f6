/**
 * What a log record must never carry in clear: values under secret-sounding keys, passwords in URLs, `/t/<token>/`
 * path credentials, bearer and basic credentials, and anything shaped like one of Granary's token secrets. Applied
 * to the message and, recursively, to the context before a record is written anywhere.
 */
export const redacted = "[redacted]";

const secretKey = /pass(word|phrase)?|secret|token|authorization|cookie|api[-_]?key|private[-_]?key|credential|session/i;

const secretPatterns: Array<[RegExp, string]> = [
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, `$1${redacted}@`],
  // The channel path credential: /t/<token>/
  [/\/t\/[^/\s]+/g, `/t/${redacted}`],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${redacted}`],
  // key=value pairs in query strings and messages
  [/\b((?:access_)?token|password|secret|api_key)=([^\s&]+)/gi, `$1=${redacted}`],
];

/** Long unbroken runs of mixed-case letters and digits: Granary's token secrets and the like (digests are lower-case hex). */
const secretShaped = /\b[A-Za-z0-9]{32,}\b/g;

export function redactText(text: string): string {
  const withoutKnown = secretPatterns.reduce((current, [pattern, replacement]) => current.replace(pattern, replacement), text);
  return withoutKnown.replace(secretShaped, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run) ? redacted : run));
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return redacted;
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactValue(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, secretKey.test(key) ? redacted : redactValue(item, depth + 1)]),
    );
  }
  return value;
}
