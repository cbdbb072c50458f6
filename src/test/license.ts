/**
 * Licenses for tests: signed with the test key pair in e2e/fixtures (its private half is committed on purpose: it
 * signs nothing real), and the public half configured as the server's license key. Playwright's server gets the
 * same public key through playwright.config.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "@/env";
import { createLicense, parsePrivateKey, type LicenseRequest } from "@/server/licensing/license";

export const testLicensePrivateKeyFile = path.resolve(__dirname, "..", "..", "e2e", "fixtures", "license-test-key.pem");
export const testLicensePublicKeyFile = path.resolve(__dirname, "..", "..", "e2e", "fixtures", "license-test-key.pub.pem");
export const testLicensePublicKey = fs.readFileSync(testLicensePublicKeyFile, "utf8");
const testPrivateKey = parsePrivateKey(fs.readFileSync(testLicensePrivateKeyFile, "utf8"));

/** Makes the server check licenses against the test key (instead of the built-in vendor key). */
export function trustTestLicenseKey(): void {
  env.GRANARY_LICENSE_PUBLIC_KEY = testLicensePublicKey;
}

const day = 24 * 60 * 60 * 1000;

export function isoDateIn(days: number, from: Date = new Date()): string {
  return new Date(from.getTime() + days * day).toISOString().slice(0, 10);
}

/** A license file signed with the test key, ending `days` from now unless `endDate` says otherwise. */
export function signedTestLicense(overrides: Partial<LicenseRequest> & { days?: number } = {}): string {
  trustTestLicenseKey();
  const { days = 365, ...fields } = overrides;
  return createLicense(
    { vendor: "Granary test vendor", name: "Test license", type: "Subscription", company: "Example Corp", email: "licenses@example.test", seats: 50, endDate: isoDateIn(days), ...fields },
    testPrivateKey,
  );
}
