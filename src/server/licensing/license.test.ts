import { describe, expect, it } from "vitest";
import { createLicense, daysRemaining, generateLicenseKeyPair, LicenseError, parsePrivateKey, parsePublicKey, verifyLicense } from "./license";

const vendor = generateLicenseKeyPair();
const privateKey = parsePrivateKey(vendor.privateKeyPem);
const publicKey = parsePublicKey(vendor.publicKeyPem);
const request = { vendor: "Example Vendor", name: "Team license", type: "Subscription", company: "Example Corp", email: "it@example.test", seats: 25, endDate: "2027-06-30" };

function refusal(text: string, key = publicKey): LicenseError {
  try {
    verifyLicense(text, key);
  } catch (error) {
    if (error instanceof LicenseError) return error;
    throw error;
  }
  throw new Error("Expected the license to be refused.");
}

describe("license signing and verification", () => {
  it("verifies a license it signed and gives back its fields", () => {
    const text = createLicense(request, privateKey, new Date("2026-12-01T10:00:00Z"));
    expect(verifyLicense(text, publicKey)).toEqual({ id: expect.any(String), product: "Granary", issued: "2026-12-01", ...request });
  });

  it("does not depend on the order of the fields in the file", () => {
    const file = JSON.parse(createLicense(request, privateKey));
    const reordered = { signature: file.signature, license: Object.fromEntries(Object.entries(file.license).reverse()), format: file.format };
    expect(verifyLicense(JSON.stringify(reordered), publicKey).seats).toBe(25);
  });

  it.each([
    ["seats", 2500],
    ["endDate", "2099-12-31"],
    ["company", "Someone Else"],
    ["email", "other@example.test"],
  ])("refuses a license whose %s was changed after signing", (field, value) => {
    const file = JSON.parse(createLicense(request, privateKey));
    file.license[field] = value;
    const error = refusal(JSON.stringify(file));
    expect(error.reason).toBe("signature");
    expect(error.message).toMatch(/signature does not match/);
  });

  it("refuses a license signed with another key", () => {
    const other = generateLicenseKeyPair();
    const text = createLicense(request, parsePrivateKey(other.privateKeyPem));
    expect(refusal(text).reason).toBe("signature");
  });

  it("refuses a license for another product, even when signed", () => {
    const text = createLicense({ ...request, product: "Wakari Enterprise" }, privateKey);
    const error = refusal(text);
    expect(error).toMatchObject({ reason: "product", message: "This license is for Wakari Enterprise, not Granary." });
  });

  it("refuses files that are not licenses with a message that says so", () => {
    expect(refusal("\u0089PNG\r\n\u001a\n binary").reason).toBe("unreadable");
    expect(refusal("").reason).toBe("unreadable");
    expect(refusal('{"hello": "world"}').reason).toBe("unreadable");
    expect(refusal("[]").reason).toBe("unreadable");
    const file = JSON.parse(createLicense(request, privateKey));
    expect(refusal(JSON.stringify({ ...file, format: "granary-license/9" })).message).toMatch(/this version of Granary reads granary-license\/1/);
    expect(refusal(JSON.stringify({ ...file, license: { ...file.license, seats: "many" } })).reason).toBe("format");
    expect(refusal(JSON.stringify({ ...file, license: { ...file.license, extra: true } })).reason).toBe("format");
    expect(refusal(JSON.stringify({ ...file, signature: "not base64 at all!" })).reason).toBe("signature");
  });

  it("refuses to sign a license Granary would not read", () => {
    expect(() => createLicense({ ...request, seats: 0 }, privateKey)).toThrow(/seats/);
    expect(() => createLicense({ ...request, endDate: "2027-02-30" }, privateKey)).toThrow(/endDate/);
    expect(() => createLicense({ ...request, endDate: "2020-01-01" }, privateKey, new Date("2026-12-01T00:00:00Z"))).toThrow(/ends before it was issued/);
  });

  it("reads public keys as PEM, base64 DER or raw base64 bytes, and only Ed25519 ones", () => {
    const der = publicKey.export({ type: "spki", format: "der" });
    const text = createLicense(request, privateKey);
    expect(verifyLicense(text, parsePublicKey(der.toString("base64"))).seats).toBe(25);
    expect(verifyLicense(text, parsePublicKey(der.subarray(12).toString("base64url"))).seats).toBe(25);
    expect(() => parsePublicKey("nonsense")).toThrow(/cannot be read/);
    expect(() => parsePrivateKey(vendor.publicKeyPem)).toThrow(/signing key cannot be read/);
  });

  it("counts the days left in UTC calendar days, 0 on the last day", () => {
    expect(daysRemaining("2027-01-31", new Date("2027-01-01T23:59:00Z"))).toBe(30);
    expect(daysRemaining("2027-01-31", new Date("2027-01-31T12:00:00Z"))).toBe(0);
    expect(daysRemaining("2027-01-31", new Date("2027-02-01T00:00:01Z"))).toBe(-1);
  });
});
