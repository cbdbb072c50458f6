import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createGranaryClient } from "../src/client";
import { buildCondaPackage, buildPythonDistributions } from "../src/test/package-fixtures";
import { newAccount } from "./helpers";

// The CLI runs as users run it: a separate node process started through bin/granary.mjs, from an unrelated
// folder, with its own configuration folder, against the production server Playwright started.
const bin = path.resolve(__dirname, "..", "bin", "granary.mjs");
const workFolder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-cli-"));
const conda = buildCondaPackage({ name: "cli-tools", version: "2.1.0", summary: "Uploaded by the granary CLI" }, workFolder);
const python = buildPythonDistributions({ name: "cli-demo", version: "0.4.0", summary: "A wheel and sdist uploaded by the CLI" }, workFolder);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function granary(args: string[], options: { baseURL: string; configHome: string; token?: string; stdin?: string }): Promise<Run> {
  const environment: NodeJS.ProcessEnv = { ...process.env, GRANARY_URL: options.baseURL, XDG_CONFIG_HOME: options.configHome };
  delete environment.GRANARY_TOKEN;
  if (options.token) environment.GRANARY_TOKEN = options.token;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: workFolder, env: environment, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** The run's outcome in one value, so a failed expectation shows what the CLI said. */
const outcome = (run: Run) => ({ code: run.code, stderr: run.stderr });

test("the granary CLI: login, tokens, upload, search, show, revoke, logout", async ({ baseURL }) => {
  test.setTimeout(180_000);
  const url = baseURL!;
  const account = newAccount("cli");
  await createGranaryClient({ url }).account.signUp.mutate({
    username: account.username,
    email: account.email,
    password: account.password,
    passwordConfirmation: account.password,
    acceptTerms: true,
  });
  const configHome = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-cli-config-"));
  const run = (args: string[], extra: { token?: string; stdin?: string } = {}) => granary(args, { baseURL: url, configHome, ...extra });
  const configFile = path.join(configHome, "granary", "config.json");

  await test.step("login with --password-stdin stores a token owner-only", async () => {
    const wrong = await run(["login", "--username", account.username, "--password-stdin"], { stdin: "not-the-password\n" });
    expect(outcome(wrong)).toEqual({ code: 3, stderr: expect.stringContaining("granary:") });
    expect(fs.existsSync(configFile)).toBe(false);

    const login = await run(["login", "--username", account.username, "--password-stdin"], { stdin: `${account.password}\n` });
    expect(outcome(login)).toEqual({ code: 0, stderr: "" });
    expect(login.stdout).toContain(`Signed in to ${url} as ${account.username}.`);
    expect(fs.statSync(configFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(configFile)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(fs.readFileSync(configFile, "utf8")) as { url: string; token: string; username: string };
    expect(stored).toMatchObject({ url, username: account.username, token: expect.stringMatching(/^granary-/) });
    expect(login.stdout).not.toContain(stored.token);
  });

  await test.step("whoami --json", async () => {
    const whoami = await run(["whoami", "--json"]);
    expect(outcome(whoami)).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(whoami.stdout)).toMatchObject({
      username: account.username,
      email: account.email,
      via: "token",
      token: { name: expect.stringMatching(/^granary-cli-/), scopes: ["all"] },
    });
  });

  let downloadSecret = "";
  let readerSecret = "";
  await test.step("auth --create prints each secret once; auth --list never does", async () => {
    const created = await run(["auth", "--create", "--name", "e2e-download", "--scopes", "repos conda:download", "--expires", "30d"]);
    expect(outcome(created)).toEqual({ code: 0, stderr: "" });
    downloadSecret = /^ {4}(granary-[A-Za-z0-9]+)$/m.exec(created.stdout)?.[1] ?? "";
    expect(downloadSecret).not.toBe("");
    expect(created.stdout).toContain("shown only this once");

    const reader = await run(["auth", "--create", "--name", "e2e-reader", "--scopes", "api:read", "--json"]);
    expect(outcome(reader)).toEqual({ code: 0, stderr: "" });
    readerSecret = (JSON.parse(reader.stdout) as { secret: string }).secret;

    const duplicate = await run(["auth", "--create", "--name", "e2e-reader", "--scopes", "api:read"]);
    expect(duplicate.code).toBe(1);
    const unknownScope = await run(["auth", "--create", "--name", "bad", "--scopes", "conda:fly"]);
    expect(outcome(unknownScope)).toEqual({ code: 1, stderr: expect.stringContaining("Unknown scope") });

    const list = await run(["auth", "--list", "--json"]);
    expect(outcome(list)).toEqual({ code: 0, stderr: "" });
    const { items } = JSON.parse(list.stdout) as { items: { name: string; scopes: string[]; status: string; expiresAt: string }[] };
    expect(items.find((item) => item.name === "e2e-download")).toMatchObject({ scopes: ["repos", "conda:download"], status: "active" });
    const expiresInDays = (Date.parse(items.find((item) => item.name === "e2e-download")!.expiresAt) - Date.now()) / 86_400_000;
    expect(Math.round(expiresInDays)).toBe(30);
    const storedToken = (JSON.parse(fs.readFileSync(configFile, "utf8")) as { token: string }).token;
    for (const secret of [downloadSecret, readerSecret, storedToken]) expect(list.stdout).not.toContain(secret);

    const table = await run(["auth", "--list"]);
    expect(table.stdout).toMatch(/^NAME\s+SCOPES\s+CHANNEL\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS$/m);
    expect(table.stdout).toMatch(/^e2e-download\s+repos conda:download\s+\(all\)\s+\S+\s+\S+\s+never\s+active$/m);
  });

  await test.step("a created token works through GRANARY_TOKEN, within its scopes", async () => {
    const reader = await run(["whoami", "--json"], { token: readerSecret });
    expect(outcome(reader)).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(reader.stdout)).toMatchObject({ username: account.username, via: "token", token: { name: "e2e-reader", scopes: ["api:read"] } });
    // api:read reads but does not create tokens.
    const refused = await run(["auth", "--create", "--name", "nope", "--scopes", "all"], { token: readerSecret });
    expect(refused.code).toBe(3);
  });

  await test.step("upload with a progress line per file, --label dev, and --force for an existing file", async () => {
    const upload = await run(["upload", conda, python.wheel, python.sdist, "--label", "dev"]);
    expect(outcome(upload)).toEqual({ code: 0, stderr: expect.stringContaining(`Uploading ${path.basename(conda)}`) });
    expect(upload.stdout).toContain(`Uploaded ${path.basename(conda)} as ${account.username}/cli-tools 2.1.0 (noarch; labels: dev).`);
    expect(upload.stdout).toContain(`Uploaded ${path.basename(python.wheel)} as ${account.username}/cli-demo 0.4.0`);

    const repodata = await fetch(`${url}/${account.username}/label/dev/noarch/repodata.json`);
    expect(repodata.status).toBe(200);
    const index = (await repodata.json()) as { packages: Record<string, { name: string; version: string; sha256: string }> };
    expect(index.packages[path.basename(conda)]).toMatchObject({ name: "cli-tools", version: "2.1.0" });

    const again = await run(["upload", conda, "--label", "dev"]);
    expect(outcome(again)).toEqual({ code: 1, stderr: expect.stringContaining("--force") });
    const forced = await run(["upload", conda, "--label", "dev", "--force", "--json"]);
    expect(outcome(forced)).toEqual({ code: 0, stderr: expect.any(String) });
    expect(JSON.parse(forced.stdout)).toMatchObject({ uploaded: [{ name: "cli-tools", labels: ["dev"] }], failed: [] });

    const missing = await run(["upload", path.join(workFolder, "no-such-file.conda")]);
    expect(missing.code).toBe(2);
  });

  await test.step("search and show", async () => {
    const search = await run(["search", "cli-tools"]);
    expect(outcome(search)).toEqual({ code: 0, stderr: "" });
    expect(search.stdout).toMatch(new RegExp(`${account.username}/cli-tools\\s+2\\.1\\.0\\s+conda\\s+public`));
    const searchJson = JSON.parse((await run(["search", "cli", "--json"])).stdout) as { items: { name: string }[] };
    expect(searchJson.items.map((item) => item.name).sort()).toEqual(expect.arrayContaining(["cli-demo", "cli-tools"]));

    const show = await run(["show", `${account.username}/cli-tools`, "--json"]);
    expect(outcome(show)).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(show.stdout)).toMatchObject({
      name: "cli-tools",
      owner: account.username,
      latestVersion: "2.1.0",
      files: [{ filename: path.basename(conda), subdir: "noarch", labels: ["dev"] }],
    });
    const text = await run(["show", `${account.username}/cli-demo`]);
    expect(text.stdout).toContain(`pip install --index-url ${url}/${account.username}/simple/ cli-demo`);
    const condaPackage = await run(["show", `${account.username}/cli-tools`]);
    expect(condaPackage.stdout).toContain(`conda install -c ${url}/${account.username}/label/dev cli-tools`);

    const missing = await run(["show", `${account.username}/no-such-package`]);
    expect(outcome(missing)).toEqual({ code: 4, stderr: expect.stringContaining("no-such-package") });
    // The download token reads package pages (repos) but not the account (api:read).
    expect((await run(["show", `${account.username}/cli-tools`, "--json"], { token: downloadSecret })).code).toBe(0);
    expect((await run(["whoami"], { token: downloadSecret })).code).toBe(3);
  });

  await test.step("auth -r revokes: the token fails at once with exit code 3", async () => {
    const revoke = await run(["auth", "-r", "e2e-download"]);
    expect(outcome(revoke)).toEqual({ code: 0, stderr: "" });
    expect(revoke.stdout).toContain("Revoked the access token e2e-download.");
    const refused = await run(["show", `${account.username}/cli-tools`], { token: downloadSecret });
    expect(outcome(refused)).toEqual({ code: 3, stderr: expect.stringMatching(/^granary: /) });
    const list = JSON.parse((await run(["auth", "--list", "--json"])).stdout) as { items: { name: string; status: string }[] };
    expect(list.items.find((item) => item.name === "e2e-download")?.status).toBe("revoked");
    expect((await run(["auth", "--remove", "e2e-download-never-existed"])).code).toBe(4);
  });

  await test.step("logout revokes the stored token and forgets it", async () => {
    const storedToken = (JSON.parse(fs.readFileSync(configFile, "utf8")) as { token: string }).token;
    const logout = await run(["logout"]);
    expect(outcome(logout)).toEqual({ code: 0, stderr: "" });
    expect(logout.stdout).toContain("Revoked the token");
    expect(fs.existsSync(configFile)).toBe(false);
    expect(outcome(await run(["whoami"]))).toEqual({ code: 3, stderr: expect.stringContaining("granary login") });
    expect((await run(["whoami"], { token: storedToken })).code).toBe(3);
  });
});

test("the granary CLI says the server is unreachable with exit code 5", async () => {
  const configHome = fs.mkdtempSync(path.join(os.tmpdir(), "granary-e2e-cli-config-"));
  const result = await granary(["search", "anything"], { baseURL: "http://127.0.0.1:59997", configHome });
  expect(outcome(result)).toEqual({ code: 5, stderr: expect.stringContaining("Cannot reach the Granary server at http://127.0.0.1:59997") });
});
