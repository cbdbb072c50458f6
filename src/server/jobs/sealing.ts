/**
 * Secret fields of a job's input (a password-reset link, say) must not sit in clear in the queue's tables, in an
 * Inngest server's event history or in the mirror. They are sealed with AES-256-GCM under a key derived from
 * AUTH_SECRET, which every app server and worker shares, and opened only inside the attempt that needs them.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "@/env";

const sealedPrefix = "sealed:v1:";
export const redactedValue = "[redacted]";

let cachedKey: { secret: string; key: Buffer } | undefined;

function sealingKey(): Buffer {
  const secret = env.AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: jobs with secret inputs need it (npm start and npm run worker provide one).");
  if (cachedKey?.secret !== secret) {
    cachedKey = { secret, key: Buffer.from(hkdfSync("sha256", secret, "granary", "job input sealing", 32)) };
  }
  return cachedKey.key;
}

export function seal(value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return sealedPrefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function unseal(sealed: unknown): unknown {
  if (typeof sealed !== "string" || !sealed.startsWith(sealedPrefix)) throw new Error("A secret job field is not sealed.");
  const raw = Buffer.from(sealed.slice(sealedPrefix.length), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"));
}

type Fields = readonly string[] | undefined;

function mapFields(input: unknown, fields: Fields, change: (value: unknown) => unknown): unknown {
  if (!fields?.length || input === null || typeof input !== "object" || Array.isArray(input)) return input;
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const field of fields) if (field in copy && copy[field] !== undefined) copy[field] = change(copy[field]);
  return copy;
}

/** The input as it is stored and sent: secret fields sealed. */
export function sealFields(input: unknown, fields: Fields): unknown {
  return mapFields(input, fields, seal);
}

export function unsealFields(input: unknown, fields: Fields): unknown {
  return mapFields(input, fields, unseal);
}

/** The input as the Task Queue shows it. */
export function redactFields(input: unknown, fields: Fields): unknown {
  return mapFields(input, fields, () => redactedValue);
}
