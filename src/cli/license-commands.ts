/**
 * `granary license keygen` and `granary license create`: the vendor's side of licenses. They run offline, on the
 * machine that keeps the private key, and never talk to a server: a server only ever holds the public key.
 */
import fs from "node:fs";
import path from "node:path";
import { createLicense, generateLicenseKeyPair, LicenseError, parsePrivateKey } from "../server/licensing/license";
import type { CliContext } from "./context";
import { CliError, ExitCode, usageError } from "./errors";

export const privateKeyFileName = "granary-license.key";
export const publicKeyFileName = "granary-license.pub";

function writeNewFile(file: string, contents: string, mode: number): void {
  try {
    // "wx": never replace a key or license that is already there.
    fs.writeFileSync(file, contents, { flag: "wx", mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new CliError(`${file} already exists: choose another place, or move it away first.`, ExitCode.failure);
    throw new CliError(`Cannot write ${file}: ${(error as Error).message}`, ExitCode.failure);
  }
}

export function licenseKeygen(context: CliContext, options: { out: string }): void {
  const directory = path.resolve(options.out);
  fs.mkdirSync(directory, { recursive: true });
  const privateFile = path.join(directory, privateKeyFileName);
  const publicFile = path.join(directory, publicKeyFileName);
  for (const file of [privateFile, publicFile]) {
    if (fs.existsSync(file)) throw new CliError(`${file} already exists: choose another folder, or move the old key pair away first.`, ExitCode.failure);
  }
  const pair = generateLicenseKeyPair();
  writeNewFile(privateFile, pair.privateKeyPem, 0o600);
  writeNewFile(publicFile, pair.publicKeyPem, 0o644);
  context.out(`Wrote the signing key ${privateFile} (keep it secret: whoever has it can issue licenses)`);
  context.out(`and the public key ${publicFile}.`);
  context.out("Servers trust licenses signed with it when their environment has:");
  context.out(`  GRANARY_LICENSE_PUBLIC_KEY="${pair.publicKeyPem.trim().split("\n").slice(1, -1).join("")}"`);
}

export interface LicenseCreateOptions {
  key: string;
  name: string;
  company: string;
  email: string;
  type: string;
  seats: string;
  days?: string;
  end?: string;
  vendor: string;
  product?: string;
  out?: string;
}

function endDateFrom(options: LicenseCreateOptions, today: Date): string {
  if ((options.days === undefined) === (options.end === undefined)) throw usageError("Give exactly one of --days N and --end YYYY-MM-DD.");
  if (options.end !== undefined) return options.end;
  if (!/^\d+$/.test(options.days!)) throw usageError(`--days takes a whole number of days, not ${JSON.stringify(options.days)}.`);
  return new Date(today.getTime() + Number(options.days) * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

export function licenseCreate(context: CliContext, options: LicenseCreateOptions): void {
  if (!/^\d+$/.test(options.seats)) throw usageError(`--seats takes a whole number, not ${JSON.stringify(options.seats)}.`);
  const today = context.now();
  const endDate = endDateFrom(options, today);
  let keyText: string;
  try {
    keyText = fs.readFileSync(path.resolve(options.key), "utf8");
  } catch (error) {
    throw new CliError(`Cannot read the signing key ${options.key}: ${(error as Error).message}`, ExitCode.failure);
  }
  let document: string;
  try {
    document = createLicense(
      {
        name: options.name,
        company: options.company,
        email: options.email,
        type: options.type,
        seats: Number(options.seats),
        endDate,
        vendor: options.vendor,
        ...(options.product ? { product: options.product } : {}),
      },
      parsePrivateKey(keyText),
      today,
    );
  } catch (error) {
    if (error instanceof LicenseError) throw new CliError(error.message, error.reason === "format" ? ExitCode.usage : ExitCode.failure);
    throw error;
  }
  if (!options.out) {
    context.io.stdout.write(document);
    return;
  }
  const file = path.resolve(options.out);
  writeNewFile(file, document, 0o644);
  context.out(`Wrote a license for ${options.company} (${options.type}, ${options.seats} seats) valid until ${endDate} to ${file}.`);
}
