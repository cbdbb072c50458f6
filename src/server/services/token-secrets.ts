/**
 * Access token secrets: `granary-` and 43 base62 characters, drawn uniformly. Only a secret's SHA-256 is ever
 * stored; the secret itself is shown once, when the token is created.
 */
import { randomBytes } from "node:crypto";
import { tokenPrefix, tokenSecretLength } from "@/shared/token-scopes";
import { hashSecret } from "./passwords";


const base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `granary-` and 43 characters drawn uniformly from base62 (rejection sampling keeps them unbiased). */
export function generateTokenSecret(): string {
  let body = "";
  while (body.length < tokenSecretLength) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 * 62: bytes above it would favour the first characters.
      if (byte < 248) body += base62[byte % 62];
      if (body.length === tokenSecretLength) break;
    }
  }
  return `${tokenPrefix}${body}`;
}

export function hashTokenSecret(secret: string): string {
  return hashSecret(secret);
}

export function newTokenSecret(): { secret: string; secretHash: string } {
  const secret = generateTokenSecret();
  return { secret, secretHash: hashTokenSecret(secret) };
}
