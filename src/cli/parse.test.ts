import { describe, expect, it } from "vitest";
import { ExitCode } from "./errors";
import { parseDuration, parsePackageSpec, parsePositiveInteger, parseScopes } from "./parse";
import { runCli, temporaryConfigHome } from "./test-support";

describe("durations", () => {
  it.each([
    ["30d", 30],
    ["12w", 84],
    ["1y", 365],
    ["2Y", 730],
    ["365", 365],
    [" 7 d ", 7],
  ])("%s is %i days", (text, days) => {
    expect(parseDuration(text)).toBe(days);
  });

  it.each(["", "0", "0d", "-3d", "3q", "1.5y", "d", "30 days", "1m"])("refuses %j as a usage error", (text) => {
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
  });
});

describe("scopes", () => {
  it("splits a quoted list, repeated options and commas, keeping each scope once", () => {
    expect(parseScopes(["repos conda:download"])).toEqual(["repos", "conda:download"]);
    expect(parseScopes(["repos", "conda:download,pypi:upload", "repos"])).toEqual(["repos", "conda:download", "pypi:upload"]);
    expect(parseScopes(["  api:modify-group  "])).toEqual(["api:modify-group"]);
  });

  it("refuses empty and malformed scopes", () => {
    expect(() => parseScopes(["   "])).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
    expect(() => parseScopes(["conda:download:extra"])).toThrow(/Malformed scope "conda:download:extra"/);
    expect(() => parseScopes(["Repos"])).toThrow(/Malformed scope/);
  });
});

describe("other arguments", () => {
  it("reads OWNER/PACKAGE", () => {
    expect(parsePackageSpec("alice/numpy-tools")).toEqual({ owner: "alice", name: "numpy-tools" });
    for (const text of ["alice", "alice/", "/tools", "a/b/c"]) expect(() => parsePackageSpec(text)).toThrow(/is not OWNER\/PACKAGE/);
  });

  it("reads page numbers", () => {
    expect(parsePositiveInteger("3", "--page")).toBe(3);
    expect(() => parsePositiveInteger("0", "--page")).toThrow(/positive whole number/);
    expect(() => parsePositiveInteger("two", "--page")).toThrow(/positive whole number/);
  });
});

describe("exit codes", () => {
  it("answers usage errors with 2 before contacting any server", async () => {
    const usageErrors = [
      [],
      ["frobnicate"],
      ["whoami", "--bogus"],
      ["auth"],
      ["auth", "--list", "--create"],
      ["auth", "--create", "--scopes", "repos"],
      ["auth", "--create", "--name", "ci"],
      ["auth", "--create", "--name", "ci", "--scopes", "repos", "--expires", "soon"],
      ["auth", "--create", "--name", "ci", "--scopes", "Bad:Scope!"],
      ["auth", "-r"],
      ["show", "just-a-name"],
      ["search"],
      ["search", "x", "--kind", "rpm"],
      ["search", "x", "--page", "0"],
      ["upload"],
      ["upload", "/nonexistent/granary-test-file.conda"],
      ["login", "--password-stdin"],
    ];
    const noServer = (async () => {
      throw new Error("no request should be made");
    }) as typeof fetch;
    for (const argv of usageErrors) {
      const result = await runCli(argv, { fetch: noServer, token: "gra-test", url: "http://granary.test" });
      expect({ argv, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ argv, exitCode: ExitCode.usage, stdout: "" });
      expect(result.stderr).not.toBe("");
    }
  });

  it("asks for a password only where there is a terminal", async () => {
    const result = await runCli(["login", "--username", "alice", "--url", "http://granary.test"]);
    expect(result.exitCode).toBe(ExitCode.usage);
    expect(result.stderr).toContain("--password-stdin");
  });

  it("documents the exit codes and answers --help and --version with 0", async () => {
    const help = await runCli(["--help"]);
    expect(help.exitCode).toBe(ExitCode.ok);
    for (const line of ["0  success", "2  usage error", "3  authentication failed", "4  not found", "5  server error", "GRANARY_TOKEN", "GRANARY_URL"]) {
      expect(help.stdout).toContain(line);
    }
    // Backups are the server's business: the help says where they are.
    expect(help.stdout).toContain("granary-admin backup DIR");
    expect((await runCli(["auth", "--help"])).stdout).toContain("--regenerate <name>");
    const version = await runCli(["--version"]);
    expect(version).toMatchObject({ exitCode: ExitCode.ok, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it("answers 3 when a command needs a token and none is stored", async () => {
    for (const argv of [["whoami"], ["auth", "--list"], ["auth", "-r", "ci"]]) {
      const result = await runCli(argv, { configHome: temporaryConfigHome(), url: "http://granary.test" });
      expect(result.exitCode).toBe(ExitCode.authentication);
      expect(result.stderr).toContain("granary login");
    }
  });
});
