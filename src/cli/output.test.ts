import { describe, expect, it } from "vitest";
import { renderNewSecret, renderTokenList } from "./auth-commands";
import { writeConfig } from "./config";
import { ExitCode } from "./errors";
import { fakeTrpcServer, runCli, temporaryConfigHome, TrpcFailure } from "./test-support";

const secret = "gra-0123456789abcdefSECRET";
const token = {
  id: "4f0a6d1e-0000-4000-8000-000000000001",
  name: "ci-download",
  scopes: ["repos", "conda:download"],
  channel: "alice",
  createdAt: new Date("2026-01-02T03:04:05Z"),
  expiresAt: new Date("2026-04-02T03:04:05Z"),
  lastUsedAt: null,
  lastUsedIp: null,
  revokedAt: null,
  status: "active" as const,
};
const revoked = { ...token, id: "4f0a6d1e-0000-4000-8000-000000000002", name: "old", channel: null, lastUsedAt: new Date("2026-02-01T10:20:00Z"), revokedAt: new Date(), status: "revoked" as const };
const whoami = {
  username: "alice",
  email: "alice@example.com",
  name: "Alice Example",
  isSiteAdmin: false,
  via: "token" as const,
  token: { name: "ci-download", scopes: ["all"], channel: null, expiresAt: new Date("2027-01-01T00:00:00Z") },
};
const packageSummary = {
  id: "p-1",
  name: "numpy-tools",
  summary: "Tools for arrays",
  latestVersion: "1.2.0",
  isPrivate: false,
  updatedAt: new Date("2026-01-01T00:00:00Z"),
  owner: "alice",
  fileTypes: ["conda", "wheel"],
  downloads: 3,
  stars: 1,
};
const packageDetails = {
  ...packageSummary,
  license: "MIT",
  homepage: "https://example.org",
  description: null,
  files: [
    { id: "f-1", filename: "numpy-tools-1.2.0-py_0.tar.bz2", version: "1.2.0", fileType: "conda", subdir: "noarch", size: 2048, sha256: "ab".repeat(32), downloadCount: 2, createdAt: new Date("2026-01-01T00:00:00Z"), labels: ["dev", "main"] },
    { id: "f-2", filename: "numpy_tools-1.2.0-py3-none-any.whl", version: "1.2.0", fileType: "wheel", subdir: "pypi", size: 1000, sha256: "cd".repeat(32), downloadCount: 1, createdAt: new Date("2026-01-01T00:00:00Z"), labels: ["main"] },
  ],
  starredByMe: false,
  canManage: true,
};

async function signedIn() {
  const home = temporaryConfigHome();
  await writeConfig(home, { url: "http://granary.test", token: "gra-stored", username: "alice" });
  return home;
}

const server = fakeTrpcServer({
  "account.whoami": () => whoami,
  "tokens.list": () => ({ items: [token, revoked] }),
  "tokens.create": () => ({ token, secret }),
  "tokens.revoke": () => ({ ok: true }),
  "tokens.regenerate": () => ({ token, secret }),
  "tokens.scopes": () => [{ scope: "all", description: "Allow all operations", permissions: [] }],
  "packages.search": () => ({ items: [packageSummary], total: 30, page: 1, pageSize: 25 }),
  "packages.get": () => packageDetails,
});

describe("--json", () => {
  it.each([
    [["whoami", "--json"]],
    [["auth", "--list", "--json"]],
    [["auth", "--list-scopes", "--json"]],
    [["search", "numpy", "--json"]],
    [["show", "alice/numpy-tools", "--json"]],
  ])("%j prints valid JSON and nothing else", async (argv) => {
    const result = await runCli(argv, { configHome: await signedIn(), fetch: server.fetch });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
    expect(result.stderr).toBe("");
  });

  it("lists tokens with dates as ISO strings and never a secret", async () => {
    const withSecret = fakeTrpcServer({ "tokens.list": () => ({ items: [{ ...token, secret, tokenHash: "deadbeef" }] }) });
    const result = await runCli(["auth", "--list", "--json"], { configHome: await signedIn(), fetch: withSecret.fetch });
    const parsed = JSON.parse(result.stdout) as { items: Record<string, unknown>[] };
    expect(parsed.items[0]).toMatchObject({ name: "ci-download", scopes: ["repos", "conda:download"], expiresAt: "2026-04-02T03:04:05.000Z", status: "active" });
    expect(result.stdout).not.toContain(secret);
    expect(result.stdout).not.toContain("deadbeef");
  });

  it("gives whoami's token and account", async () => {
    const result = await runCli(["whoami", "--json"], { configHome: await signedIn(), fetch: server.fetch });
    expect(JSON.parse(result.stdout)).toMatchObject({ username: "alice", via: "token", token: { name: "ci-download", expiresAt: "2027-01-01T00:00:00.000Z" } });
  });
});

describe("text output", () => {
  it("creates a token with the scopes, channel and expiry asked for and shows the secret once, on its own line", async () => {
    const calls = fakeTrpcServer({ "tokens.create": () => ({ token, secret }) });
    const result = await runCli(["auth", "--create", "--name", "ci-download", "--scopes", "repos conda:download", "--channel", "alice", "--expires", "12w"], {
      configHome: await signedIn(),
      fetch: calls.fetch,
    });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(calls.calls[0]?.input).toEqual({ name: "ci-download", scopes: ["repos", "conda:download"], channel: "alice", expiresInDays: 84 });
    expect(result.stdout.split("\n")).toContain(`    ${secret}`);
    expect(result.stdout).toContain("shown only this once");
    expect(result.stdout).toContain(`conda config --add channels http://granary.test/t/${secret}/alice`);
  });

  it("tabulates tokens without secrets", () => {
    const text = renderTokenList([token, revoked]);
    const [header, first, second] = text.trimEnd().split("\n");
    expect(header).toMatch(/^NAME\s+SCOPES\s+CHANNEL\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS$/);
    expect(first).toMatch(/^ci-download\s+repos conda:download\s+alice\s+2026-01-02\s+2026-04-02\s+never\s+active$/);
    expect(second).toMatch(/^old\s+.*\(all\)\s+2026-01-02\s+2026-04-02\s+2026-02-01 10:20 UTC\s+revoked$/);
    expect(renderTokenList([])).toContain("No access tokens");
    expect(renderNewSecret({ token, secret }, "http://h", "alice")).toContain(`\n    ${secret}\n`);
  });

  it("revokes by name, regenerates by name", async () => {
    const calls = fakeTrpcServer({ "tokens.revoke": () => ({ ok: true }), "tokens.list": () => ({ items: [revoked, token] }), "tokens.regenerate": () => ({ token, secret }) });
    const home = await signedIn();
    expect(await runCli(["auth", "-r", "ci-download"], { configHome: home, fetch: calls.fetch })).toMatchObject({ exitCode: 0, stdout: "Revoked the access token ci-download.\n" });
    expect(calls.calls[0]).toMatchObject({ path: "tokens.revoke", input: { name: "ci-download" } });
    const regenerated = await runCli(["auth", "--regenerate", "ci-download"], { configHome: home, fetch: calls.fetch });
    expect(regenerated.stdout).toContain("Regenerated the access token ci-download");
    expect(calls.calls.at(-1)).toMatchObject({ path: "tokens.regenerate", input: { id: token.id } });
    expect((await runCli(["auth", "--regenerate", "nope"], { configHome: home, fetch: calls.fetch })).exitCode).toBe(ExitCode.notFound);
  });

  it("shows a package with its files, labels and install commands", async () => {
    const result = await runCli(["show", "alice/numpy-tools"], { configHome: await signedIn(), fetch: server.fetch });
    expect(result.stdout).toContain("alice/numpy-tools 1.2.0");
    expect(result.stdout).toMatch(/1\.2\.0\s+numpy-tools-1\.2\.0-py_0\.tar\.bz2\s+noarch\s+dev, main\s+2\.0 KiB/);
    expect(result.stdout).toContain("conda install -c http://granary.test/alice numpy-tools");
    expect(result.stdout).toContain("conda install -c http://granary.test/alice/label/dev numpy-tools");
    expect(result.stdout).toContain("pip install --index-url http://granary.test/alice/simple/ numpy-tools");
  });

  it("lists search results with the next page", async () => {
    const result = await runCli(["search", "numpy"], { configHome: await signedIn(), fetch: server.fetch });
    expect(result.stdout).toMatch(/alice\/numpy-tools\s+1\.2\.0\s+conda, wheel\s+public\s+Tools for arrays/);
    expect(result.stdout).toContain('1-1 of 30; next page: granary search "numpy" --page 2');
  });
});

describe("errors", () => {
  it.each([
    ["UNAUTHORIZED", 401, ExitCode.authentication],
    ["FORBIDDEN", 403, ExitCode.authentication],
    ["NOT_FOUND", 404, ExitCode.notFound],
    ["CONFLICT", 409, ExitCode.failure],
    ["BAD_REQUEST", 400, ExitCode.failure],
    ["INTERNAL_SERVER_ERROR", 500, ExitCode.server],
  ])("%s exits with %i", async (code, status, exitCode) => {
    const failing = fakeTrpcServer({ "packages.get": () => new TrpcFailure(code, status, `It failed with ${code}.`) });
    const result = await runCli(["show", "alice/x"], { configHome: await signedIn(), fetch: failing.fetch });
    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toBe(`granary: It failed with ${code}.\n`);
  });

  it("treats an answer that is not tRPC as a server error", async () => {
    const proxy = (async () => new Response("<html>502 Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } })) as typeof fetch;
    const result = await runCli(["search", "x"], { configHome: await signedIn(), fetch: proxy });
    expect(result.exitCode).toBe(ExitCode.server);
    expect(result.stderr).toContain("http://granary.test");
  });
});
