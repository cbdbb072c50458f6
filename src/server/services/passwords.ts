import { hash, verify } from "@node-rs/argon2";
import { hash as oneShotHash, randomBytes } from "node:crypto";

// @node-rs/argon2 defaults to argon2id; these are OWASP's recommended minimums for it.
const argonOptions = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

/** False for an account without a password (an organization), after the same work as a real check. */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    await verifyDecoyPassword(password);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verifying against a real hash when an account does not exist keeps "no such user" and "wrong password"
// indistinguishable by timing.
let decoyHash: Promise<string> | undefined;
export async function verifyDecoyPassword(password: string): Promise<void> {
  decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
  try {
    await verify(await decoyHash, password);
  } catch {
    // The decoy only spends the time a real check takes.
  }
}

/** A secret for an e-mailed link: random, URL-safe, and only ever stored as its SHA-256. */
export function createLinkSecret(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString("base64url");
  return { secret, secretHash: hashSecret(secret) };
}

/** SHA-256 of a random secret (a token, a link), as stored. One call, no hash object: tokens are hashed on every request. */
export function hashSecret(secret: string): string {
  return oneShotHash("sha256", secret, "hex");
}

/**
 * Whether two secrets (or their hashes, or headers that carry them) are equal, in a time that depends on their
 * lengths only, without allocating: comparisons made on every package request.
 */
export function secretsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

export function generatePassword(): string {
  return randomBytes(12).toString("base64url");
}
