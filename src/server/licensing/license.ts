/**
 * Granary licenses: a small JSON document naming who may run Granary, until when and for how many active users,
 * signed with the vendor's Ed25519 key. Granary holds only the public half (GRANARY_LICENSE_PUBLIC_KEY, or the
 * built-in vendor key) and checks every license against it; `granary license create` signs them with the private
 * half. Pure functions over node:crypto, shared by the server and the vendor command: no database here.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import { z } from "zod";

export const licenseFormat = "granary-license/1";
export const licensedProduct = "Granary";

/**
 * The vendor's public key Granary trusts when GRANARY_LICENSE_PUBLIC_KEY is not set. Its private half is kept by
 * whoever issues Granary licenses and is not in this repository; deployments (and tests) that issue their own
 * licenses make a key pair with `granary license keygen` and set GRANARY_LICENSE_PUBLIC_KEY.
 */
export const defaultVendorPublicKey = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEABcTZi9RjQ771pX8LDXVrJui4jV66iGw6dI2oRsxpQps=
-----END PUBLIC KEY-----
`;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2027-06-30")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), "is not a real date");

/** The signed fields, in the order they are signed (and shown). */
export const licenseFieldsSchema = z
  .object({
    id: z.string().uuid(),
    product: z.string().min(1).max(100),
    vendor: z.string().min(1).max(200),
    name: z.string().min(1).max(200),
    type: z.string().min(1).max(100),
    company: z.string().min(1).max(200),
    email: z.string().email().max(320),
    issued: isoDate,
    endDate: isoDate,
    seats: z.number().int().min(1).max(10_000_000),
  })
  .strict()
  .refine((fields) => fields.endDate >= fields.issued, { message: "ends before it was issued", path: ["endDate"] });
export type LicenseFields = z.infer<typeof licenseFieldsSchema>;

const licenseFileSchema = z.object({ format: z.string(), license: z.unknown(), signature: z.string() }).strict();

const fieldOrder = ["id", "product", "vendor", "name", "type", "company", "email", "issued", "endDate", "seats"] as const satisfies readonly (keyof LicenseFields)[];

/** Exactly what the signature covers: the format and the fields in a fixed order, so key order in the file does not matter. */
function signedBytes(fields: LicenseFields): Buffer {
  const ordered = Object.fromEntries(fieldOrder.map((name) => [name, fields[name]]));
  return Buffer.from(`${licenseFormat}\n${JSON.stringify(ordered)}`, "utf8");
}

export class LicenseError extends Error {
  override readonly name = "LicenseError";
  constructor(
    readonly reason: "unreadable" | "format" | "signature" | "product" | "key",
    message: string,
  ) {
    super(message);
  }
}

// An Ed25519 SubjectPublicKeyInfo is this fixed prefix followed by the 32-byte key.
const ed25519SpkiPrefix = Buffer.from("302a300506032b6570032100", "hex");

/** A public key given as PEM, as base64 of its DER (SubjectPublicKeyInfo), or as base64 of the raw 32 bytes. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith("-----BEGIN")) {
      key = createPublicKey(trimmed);
    } else {
      const bytes = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
      key = createPublicKey({ key: bytes.length === 32 ? Buffer.concat([ed25519SpkiPrefix, bytes]) : bytes, format: "der", type: "spki" });
    }
  } catch {
    throw new LicenseError("key", "The license public key cannot be read: give a PEM public key, or base64 of its DER or raw 32 bytes.");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new LicenseError("key", `The license public key is ${key.asymmetricKeyType ?? "unknown"}, not Ed25519.`);
  return key;
}

export function parsePrivateKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new LicenseError("key", "The signing key cannot be read: give the PEM private key `granary license keygen` wrote.");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new LicenseError("key", `The signing key is ${key.asymmetricKeyType ?? "unknown"}, not Ed25519.`);
  return key;
}

export function generateLicenseKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

export type LicenseRequest = Omit<LicenseFields, "id" | "product" | "issued"> & { id?: string; product?: string; issued?: string };

/** Signs a license and returns the file's text. Validates the fields first, so a vendor cannot issue a license Granary would refuse. */
export function createLicense(request: LicenseRequest, privateKey: KeyObject, today: Date = new Date()): string {
  const parsed = licenseFieldsSchema.safeParse({
    id: request.id ?? randomUUID(),
    product: request.product ?? licensedProduct,
    vendor: request.vendor,
    name: request.name,
    type: request.type,
    company: request.company,
    email: request.email,
    issued: request.issued ?? today.toISOString().slice(0, 10),
    endDate: request.endDate,
    seats: request.seats,
  });
  if (!parsed.success) throw new LicenseError("format", `The license is not valid: ${describeIssues(parsed.error)}`);
  const signature = sign(null, signedBytes(parsed.data), privateKey).toString("base64");
  return `${JSON.stringify({ format: licenseFormat, license: parsed.data, signature }, null, 2)}\n`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "license"} ${issue.message}`).join("; ");
}

/**
 * Reads a license file and checks its signature against the public key and that it is for Granary. Throws a
 * LicenseError whose message says what is wrong, in words for the administrator who uploaded it.
 */
export function verifyLicense(text: string, publicKey: KeyObject): LicenseFields {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new LicenseError("unreadable", "This file is not a Granary license: it is not a license document (JSON) at all.");
  }
  const file = licenseFileSchema.safeParse(raw);
  if (!file.success) throw new LicenseError("unreadable", "This file is not a Granary license: it needs the fields format, license and signature, and nothing else.");
  if (file.data.format !== licenseFormat) {
    throw new LicenseError("format", `This license has the format ${JSON.stringify(file.data.format)}; this version of Granary reads ${licenseFormat}.`);
  }
  const fields = licenseFieldsSchema.safeParse(file.data.license);
  if (!fields.success) throw new LicenseError("format", `This license's fields are not valid: ${describeIssues(fields.error)}.`);
  const signature = Buffer.from(file.data.signature, "base64");
  if (signature.length !== 64 || !verify(null, signedBytes(fields.data), publicKey, signature)) {
    throw new LicenseError("signature", "This license's signature does not match: it was changed after it was issued, or it was not issued for this server's license key.");
  }
  if (fields.data.product !== licensedProduct) {
    throw new LicenseError("product", `This license is for ${fields.data.product}, not ${licensedProduct}.`);
  }
  return fields.data;
}

const day = 24 * 60 * 60 * 1000;

/**
 * Whole days from today to the end date, both as UTC calendar days: 0 on the last day, negative once it has ended.
 * A license is valid through its end date.
 */
export function daysRemaining(endDate: string, now: Date = new Date()): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((Date.parse(`${endDate}T00:00:00Z`) - today) / day);
}
