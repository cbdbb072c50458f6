import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeSha256, uploadFile, UploadError } from "../client";
import { ExitCode } from "./errors";
import { fakeTrpcServer, runCli, temporaryConfigHome } from "./test-support";

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  sha256: string;
  size: number;
}

const received: Received[] = [];
let server: http.Server;
let baseUrl: string;
const folder = temporaryConfigHome();
const small = path.join(folder, "tool-1.0-py_0.tar.bz2");
const large = path.join(folder, "big-2.0-py_0.conda");

beforeAll(async () => {
  fs.writeFileSync(small, "small package bytes");
  // Larger than the read buffers, so the body arrives in several chunks.
  fs.writeFileSync(large, Buffer.alloc(3 * 1024 * 1024 + 17, 7));
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    const filename = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    if (filename.startsWith("toolarge")) {
      // Refuses on the declared length without reading the body, as the real server does.
      response.writeHead(413, { "content-type": "application/json" }).end(JSON.stringify({ error: "The file is larger than the 1 KiB this server accepts." }));
      return;
    }
    const hash = createHash("sha256");
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    request.on("end", () => {
      const sha256 = hash.digest("hex");
      received.push({ url: request.url ?? "", headers: request.headers, sha256, size });
      const json = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (request.headers["x-api-key"] !== "gra-upload") return json(401, { error: "The token is not valid." });
      if (url.searchParams.get("sha256") !== sha256) return json(406, { error: "Checksum mismatch." });
      if (filename.startsWith("exists") && url.searchParams.get("force") !== "1") return json(409, { error: `${filename} already exists.` });
      json(201, { fileId: "f", packageId: "p", owner: "alice", name: filename.split("-")[0], version: "1.0", filename, subdir: "noarch", sha256, size, labels: url.searchParams.getAll("label"), downloadUrl: "/x" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("uploadFile", () => {
  it("hashes, then streams the file with its sha256, labels, flags and token, reporting progress", async () => {
    const phases: string[] = [];
    let lastBytes = 0;
    const result = await uploadFile({
      url: `${baseUrl}/`,
      token: "gra-upload",
      owner: "alice",
      file: large,
      labels: ["dev", "test"],
      makePrivate: true,
      force: true,
      onProgress: (progress) => {
        if (phases.at(-1) !== progress.phase) phases.push(progress.phase);
        if (progress.phase === "uploading") lastBytes = progress.bytes;
      },
    });
    const expected = await computeSha256(large);
    expect(result).toMatchObject({ filename: "big-2.0-py_0.conda", sha256: expected, size: 3 * 1024 * 1024 + 17, labels: ["dev", "test"] });
    expect(phases).toEqual(["hashing", "uploading"]);
    expect(lastBytes).toBe(3 * 1024 * 1024 + 17);
    const request = received.at(-1)!;
    expect(request.url).toBe(`/api/channels/alice/upload/big-2.0-py_0.conda?sha256=${expected}&label=dev&label=test&private=1&force=1`);
    expect(request.headers["content-length"]).toBe(String(3 * 1024 * 1024 + 17));
  });

  it("turns refusals into UploadErrors with the server's reason", async () => {
    const exists = path.join(folder, "exists-1.0-py_0.tar.bz2");
    fs.copyFileSync(small, exists);
    await expect(uploadFile({ url: baseUrl, token: "gra-upload", owner: "alice", file: exists })).rejects.toMatchObject({ failure: "exists", status: 409 });
    await expect(uploadFile({ url: baseUrl, token: "wrong", owner: "alice", file: small })).rejects.toMatchObject({ failure: "unauthorized", message: "The token is not valid." });
    await expect(uploadFile({ url: baseUrl, token: "gra-upload", owner: "alice", file: small, sha256: "0".repeat(64) })).rejects.toMatchObject({ failure: "checksum-mismatch" });
    const tooLarge = path.join(folder, "toolarge-1.0-py_0.conda");
    fs.copyFileSync(large, tooLarge);
    await expect(uploadFile({ url: baseUrl, token: "gra-upload", owner: "alice", file: tooLarge })).rejects.toMatchObject({ failure: "too-large", status: 413 });
    const unreachable = uploadFile({ url: "http://127.0.0.1:59998", token: "t", owner: "alice", file: small });
    await expect(unreachable).rejects.toBeInstanceOf(UploadError);
    await expect(unreachable).rejects.toMatchObject({ failure: "unreachable", status: null });
  });
});

describe("granary upload", () => {
  const whoami = fakeTrpcServer({ "account.whoami": () => ({ username: "alice", email: "", name: null, isSiteAdmin: false, via: "token", token: null }) });

  it("uploads each file under the signed-in user, printing a line per file without a terminal", async () => {
    const result = await runCli(["upload", small, large, "--label", "dev"], { url: baseUrl, token: "gra-upload", fetch: whoami.fetch });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(result.stderr).toContain("Uploading tool-1.0-py_0.tar.bz2 (19 B)...");
    expect(result.stdout).toContain("Uploaded tool-1.0-py_0.tar.bz2 as alice/tool 1.0 (noarch; labels: dev).");
    expect(result.stdout).toContain("Uploaded big-2.0-py_0.conda");
  });

  it("suggests --force for an existing file and exits 1; a bad token exits 3", async () => {
    const exists = path.join(folder, "exists-1.0-py_0.tar.bz2");
    const result = await runCli(["upload", exists, "--owner", "alice"], { url: baseUrl, token: "gra-upload" });
    expect(result.exitCode).toBe(ExitCode.failure);
    expect(result.stderr).toContain("already exists. Add --force to replace it.");
    expect((await runCli(["upload", exists, "--owner", "alice", "--force"], { url: baseUrl, token: "gra-upload" })).exitCode).toBe(ExitCode.ok);
    expect((await runCli(["upload", small, "--owner", "alice"], { url: baseUrl, token: "wrong" })).exitCode).toBe(ExitCode.authentication);
  });

  it("draws a progress bar per file on a terminal, then prints the results", async () => {
    const result = await runCli(["upload", small, large, "--owner", "alice"], { url: baseUrl, token: "gra-upload", terminal: true });
    expect(result.exitCode).toBe(ExitCode.ok);
    expect(result.stderr).toMatch(/tool-1\.0-py_0\.tar\.bz2\s+\|[█]+\| 100% done\s+19 B of 19 B/);
    expect(result.stderr).toMatch(/big-2\.0-py_0\.conda\s+\|[█]+\| 100% done\s+3\.0 MiB of 3\.0 MiB/);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("prints --json results", async () => {
    const result = await runCli(["upload", small, "--owner", "alice", "--json"], { url: baseUrl, token: "gra-upload" });
    expect(JSON.parse(result.stdout)).toMatchObject({ uploaded: [{ filename: "tool-1.0-py_0.tar.bz2" }], failed: [] });
  });
});
