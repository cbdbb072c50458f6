/** `granary license keygen` and `create` as a vendor runs them: the real command in its own process. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePublicKey, verifyLicense } from "../server/licensing/license";

const bin = path.resolve(__dirname, "..", "..", "bin", "granary.mjs");

function granary(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("granary license", () => {
  it("makes a key pair and signs licenses that verify against its public key", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-license-cli-"));
    const keys = path.join(folder, "keys");
    const keygen = await granary(["license", "keygen", "--out", keys]);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout).toMatch(/GRANARY_LICENSE_PUBLIC_KEY="MCowBQYDK2VwAyEA[A-Za-z0-9+/=]+"/);
    expect(fs.statSync(path.join(keys, "granary-license.key")).mode & 0o777).toBe(0o600);
    // A second keygen never replaces the key that signed the licenses already out there.
    expect(await granary(["license", "keygen", "--out", keys])).toMatchObject({ code: 1, stderr: expect.stringContaining("already exists") });

    const out = path.join(folder, "example.license");
    const common = ["license", "create", "--key", path.join(keys, "granary-license.key"), "--name", "Data team", "--company", "Example Corp", "--email", "it@example.test", "--type", "Subscription", "--seats", "50"];
    const created = await granary([...common, "--end", "2031-06-30", "--out", out]);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining("valid until 2031-06-30") });
    const publicKey = parsePublicKey(fs.readFileSync(path.join(keys, "granary-license.pub"), "utf8"));
    expect(verifyLicense(fs.readFileSync(out, "utf8"), publicKey)).toMatchObject({ company: "Example Corp", seats: 50, endDate: "2031-06-30", product: "Granary", vendor: "Granary" });

    const printed = await granary([...common, "--days", "30"]);
    expect(printed.code).toBe(0);
    expect(verifyLicense(printed.stdout, publicKey).endDate).toBe(new Date(Date.now() + 30 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10));

    expect(await granary([...common])).toMatchObject({ code: 2, stderr: expect.stringContaining("Give exactly one of --days N and --end YYYY-MM-DD.") });
    expect(await granary([...common, "--days", "30", "--seats", "lots"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--seats takes a whole number") });
    expect(await granary([...common, "--end", "2031-02-30"])).toMatchObject({ code: 2, stderr: expect.stringContaining("endDate is not a real date") });
    expect(await granary([...common, "--days", "3", "--out", out])).toMatchObject({ code: 1, stderr: expect.stringContaining("already exists") });
    fs.rmSync(folder, { recursive: true, force: true });
  }, 180_000);
});
