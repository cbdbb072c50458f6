import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLinkSecret, generatePassword, hashPassword, hashSecret, secretsEqual, verifyDecoyPassword, verifyPassword } from "./passwords";

describe("password hashing", () => {
  it("uses argon2id with OWASP's minimum cost", async () => {
    const passwordHash = await hashPassword("analytical engine");
    expect(passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(passwordHash).not.toContain("analytical");
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same password")).not.toBe(await hashPassword("same password"));
  });

  it("verifies the right password only", async () => {
    const passwordHash = await hashPassword("analytical engine");
    expect(await verifyPassword(passwordHash, "analytical engine")).toBe(true);
    expect(await verifyPassword(passwordHash, "Analytical engine")).toBe(false);
    expect(await verifyPassword(passwordHash, "")).toBe(false);
  });

  it("treats a damaged hash as a mismatch rather than an error", async () => {
    expect(await verifyPassword("not a hash", "anything")).toBe(false);
    expect(await verifyPassword("", "anything")).toBe(false);
  });

  it("checks a decoy without revealing anything", async () => {
    await expect(verifyDecoyPassword("anything")).resolves.toBeUndefined();
  });
});

describe("link secrets", () => {
  it("are URL-safe random strings of 256 bits", () => {
    const { secret } = createLinkSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createLinkSecret().secret).not.toBe(secret);
  });

  it("are stored only as their SHA-256", () => {
    const { secret, secretHash } = createLinkSecret();
    expect(secretHash).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(secretHash).toBe(hashSecret(secret));
    expect(secretHash).not.toContain(secret);
  });

  it("compare in constant time, equal only when identical", () => {
    expect(secretsEqual("abc", "abc")).toBe(true);
    expect(secretsEqual("abc", "abd")).toBe(false);
    expect(secretsEqual("abc", "abcd")).toBe(false);
  });

  it("compare as strings in constant time too, down to the last character", () => {
    const header = "Basic X19fdG9rZW5fXzpncmFudWxhcnktQUJD";
    expect(secretsEqual(header, `${header}`)).toBe(true);
    expect(secretsEqual(header, `${header.slice(0, -1)}E`)).toBe(false);
    expect(secretsEqual(header, `b${header.slice(1)}`)).toBe(false);
    expect(secretsEqual(header, header.slice(0, -1))).toBe(false);
    expect(secretsEqual("", "")).toBe(true);
    expect(secretsEqual("é", "e")).toBe(false);
  });
});

describe("generated passwords", () => {
  it("are long enough for the password rules and differ every time", () => {
    const password = generatePassword();
    expect(password.length).toBeGreaterThanOrEqual(7);
    expect(generatePassword()).not.toBe(password);
  });
});
