import fs from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { configFile, configFolder, deleteConfig, readConfig, writeConfig } from "./config";
import { readCliEnvironment } from "./environment";
import { ExitCode } from "./errors";
import { main } from "./main";
import { CapturedOutput, fakeTrpcServer, runCli, temporaryConfigHome, TrpcFailure } from "./test-support";

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const stored = { url: "http://granary.test", token: "gra-secret-1", username: "alice", tokenName: "granary-cli-x", tokenId: "t-1" };

describe("the stored sign-in", () => {
  it("is written owner-only: folder 0700, file 0600", async () => {
    const home = temporaryConfigHome();
    const file = await writeConfig(home, stored);
    expect(file).toBe(path.join(home, "granary", "config.json"));
    expect(mode(configFolder(home))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(await readConfig(home)).toEqual(stored);
    expect(fs.readdirSync(configFolder(home))).toEqual(["config.json"]);
  });

  it("tightens a folder and file that already existed with looser modes", async () => {
    const home = temporaryConfigHome();
    fs.mkdirSync(configFolder(home), { mode: 0o755 });
    fs.chmodSync(configFolder(home), 0o755);
    fs.writeFileSync(configFile(home), "{}", { mode: 0o644 });
    await writeConfig(home, stored);
    expect(mode(configFolder(home))).toBe(0o700);
    expect(mode(configFile(home))).toBe(0o600);
  });

  it("reads as absent when missing, refuses a damaged file, and deletes", async () => {
    const home = temporaryConfigHome();
    expect(await readConfig(home)).toBeNull();
    expect(await deleteConfig(home)).toBe(false);
    fs.mkdirSync(configFolder(home));
    fs.writeFileSync(configFile(home), "{ not json");
    await expect(readConfig(home)).rejects.toMatchObject({ exitCode: ExitCode.failure, message: expect.stringContaining("is damaged") });
    await writeConfig(home, stored);
    expect(await deleteConfig(home)).toBe(true);
    expect(fs.existsSync(configFile(home))).toBe(false);
  });
});

describe("the environment", () => {
  it("follows XDG_CONFIG_HOME when absolute and ~/.config otherwise, and reads GRANARY_URL and GRANARY_TOKEN", () => {
    expect(readCliEnvironment({ XDG_CONFIG_HOME: "/tmp/xdg", GRANARY_URL: " http://a.test ", GRANARY_TOKEN: "tok" })).toEqual({
      configHome: "/tmp/xdg",
      url: "http://a.test",
      token: "tok",
    });
    expect(readCliEnvironment({ XDG_CONFIG_HOME: "relative/path", HOME: "/home/bob" })).toEqual({
      configHome: "/home/bob/.config",
      url: undefined,
      token: undefined,
    });
    expect(readCliEnvironment({ HOME: "/home/bob", GRANARY_TOKEN: "  " }).token).toBeUndefined();
  });
});

describe("which credentials are sent", () => {
  const whoami = { username: "alice", email: "a@example.com", name: null, isSiteAdmin: false, via: "token", token: null };

  it("sends the stored token to the server it came from", async () => {
    const home = temporaryConfigHome();
    await writeConfig(home, stored);
    const server = fakeTrpcServer({ "account.whoami": () => whoami });
    expect((await runCli(["whoami"], { configHome: home, fetch: server.fetch })).exitCode).toBe(ExitCode.ok);
    expect(server.calls[0]?.headers.get("authorization")).toBe("Bearer gra-secret-1");
  });

  it("never sends the stored token to another server named by GRANARY_URL", async () => {
    const home = temporaryConfigHome();
    await writeConfig(home, stored);
    const server = fakeTrpcServer({ "packages.search": () => ({ items: [], total: 0, page: 1, pageSize: 25 }) });
    const result = await runCli(["search", "numpy"], { configHome: home, url: "http://elsewhere.test", fetch: server.fetch });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(server.calls[0]?.headers.get("authorization")).toBeNull();
    expect((await runCli(["whoami"], { configHome: home, url: "http://elsewhere.test", fetch: server.fetch })).exitCode).toBe(ExitCode.authentication);
  });

  it("prefers GRANARY_TOKEN over the stored token", async () => {
    const home = temporaryConfigHome();
    await writeConfig(home, stored);
    const server = fakeTrpcServer({ "account.whoami": () => whoami });
    await runCli(["whoami"], { configHome: home, token: "gra-from-env", fetch: server.fetch });
    expect(server.calls[0]?.headers.get("authorization")).toBe("Bearer gra-from-env");
  });
});

describe("login and logout", () => {
  const created = {
    token: { id: "t-2", name: "granary-cli-build-example-org-20260304-050607", scopes: ["all"], channel: null, createdAt: new Date(), expiresAt: new Date("2027-03-04T00:00:00Z"), lastUsedAt: null, lastUsedIp: null, revokedAt: null, status: "active" },
    secret: "gra-new-secret",
  };

  it("mints a token with the password over Basic and stores it owner-only", async () => {
    const home = temporaryConfigHome();
    const server = fakeTrpcServer({
      "tokens.create": () => created,
      "account.whoami": () => ({ username: "alice", email: "a@example.com", name: null, isSiteAdmin: false, via: "token", token: null }),
    });
    const result = await runCli(["login", "--url", "http://granary.test/", "--username", "alice@example.com", "--password-stdin"], {
      configHome: home,
      fetch: server.fetch,
      stdin: "hunter2 with spaces\n",
    });
    expect(result).toMatchObject({ exitCode: ExitCode.ok, stdout: expect.stringContaining("Signed in to http://granary.test as alice.") });
    const create = server.calls.find((call) => call.path === "tokens.create");
    expect(create?.headers.get("authorization")).toBe(`Basic ${Buffer.from("alice@example.com:hunter2 with spaces").toString("base64")}`);
    expect(create?.input).toEqual({ name: "granary-cli-build-example-org-20260304-050607", scopes: ["all"] });
    expect(await readConfig(home)).toEqual({ url: "http://granary.test", token: "gra-new-secret", username: "alice", tokenName: created.token.name, tokenId: "t-2" });
    expect(mode(configFile(home))).toBe(0o600);
    expect(result.stdout).not.toContain("gra-new-secret");
  });

  it("reports a wrong password as an authentication failure and stores nothing", async () => {
    const home = temporaryConfigHome();
    const server = fakeTrpcServer({
      "tokens.create": () => new TrpcFailure("UNAUTHORIZED", 401, "The username, e-mail or password is not right."),
    });
    const result = await runCli(["login", "--url", "http://granary.test", "-u", "alice", "--password-stdin"], {
      configHome: home,
      fetch: server.fetch,
      stdin: "nope",
    });
    expect(result.exitCode).toBe(ExitCode.authentication);
    expect(result.stderr).toContain("The username, e-mail or password is not right.");
    expect(await readConfig(home)).toBeNull();
  });

  it("revokes the stored token on logout and deletes it; deletes it anyway when the server is unreachable", async () => {
    const home = temporaryConfigHome();
    await writeConfig(home, stored);
    const server = fakeTrpcServer({ "tokens.revoke": () => ({ ok: true }) });
    const result = await runCli(["logout"], { configHome: home, fetch: server.fetch });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(server.calls).toMatchObject([{ path: "tokens.revoke", input: { id: "t-1" } }]);
    expect(await readConfig(home)).toBeNull();

    await writeConfig(home, stored);
    const unreachable = (async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    }) as typeof fetch;
    const offline = await runCli(["logout"], { configHome: home, fetch: unreachable });
    expect(offline.exitCode).toBe(ExitCode.server);
    expect(offline.stderr).toContain("Could not revoke the token on the server");
    expect(offline.stderr).toContain("removed it from");
    expect(await readConfig(home)).toBeNull();
  });
});

describe("login on a terminal", () => {
  it("asks for the username and password, without echoing the password", async () => {
    const home = temporaryConfigHome();
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = new CapturedOutput();
    // Answers each prompt once it is shown, as a person at a terminal would.
    const stderr = new (class extends CapturedOutput {
      override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: () => void): void {
        super._write(chunk, encoding, callback);
        const text = chunk.toString();
        if (text.includes("Username: ")) setTimeout(() => stdin.write("alice\n"), 5);
        if (text.includes("Password: ")) setTimeout(() => stdin.write("typed secret\n"), 5);
      }
    })();
    Object.assign(stderr, { isTTY: true });
    const server = fakeTrpcServer({
      "tokens.create": () => ({ token: { id: "t-9", name: "granary-cli-x", scopes: ["all"], expiresAt: new Date() }, secret: "gra-tty" }),
      "account.whoami": () => ({ username: "alice" }),
    });
    const exitCode = await main(["login", "--url", "http://granary.test"], {
      stdin,
      stdout,
      stderr,
      environment: { url: undefined, token: undefined, configHome: home },
      fetch: server.fetch,
    });
    expect({ exitCode, stderr: stderr.text }).toEqual({ exitCode: 0, stderr: expect.stringContaining("Password: ") });
    expect(stderr.text).not.toContain("typed secret");
    expect(server.calls[0]?.headers.get("authorization")).toBe(`Basic ${Buffer.from("alice:typed secret").toString("base64")}`);
    expect((await readConfig(home))?.token).toBe("gra-tty");
  });
});
