/**
 * Admin → General's settings as package clients meet them: the static URL in the simple pages' file links and in
 * repodata's base_url (public files only, and pages rebuilt when it changes), and the default access of new packages.
 */
import fs from "node:fs";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { packages } from "../db/schema";
import { updateGeneralSettings } from "../services/general-settings";
import { setPrivacy } from "../services/package-changes";
import { basicAuthorization, call, condaStyleUpload, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer } from "./test-support";

const db = setUpTestDatabase();
requireTools("cph", "pythonBuild");

let fixtures: { directory: string; wheel: string; sdist: string; library: string; application: string };

beforeAll(() => {
  const directory = temporaryDirectory("site-settings-fixtures");
  const { wheel, sdist } = buildPythonDistributions({ name: "demo-tool", version: "1.0" }, directory);
  fixtures = {
    directory,
    wheel,
    sdist,
    library: buildCondaPackage({ name: "libdemo", version: "1.0" }, directory),
    application: buildCondaPackage({ name: "demo-app", version: "2.1" }, directory, "conda"),
  };
}, 120_000);

afterAll(() => {
  if (fixtures) fs.rmSync(fixtures.directory, { recursive: true, force: true });
});

let server: TestServer;
let alice: TestUser;
let admin: TestUser;

beforeEach(async () => {
  server = await startTestServer(db);
  alice = await createUser(db, { username: "alice" });
  admin = await createSiteAdmin(db, { username: "root" });
});

afterEach(async () => {
  await server.close();
});

const aliceAuth = () => ({ Authorization: basicAuthorization("alice", alice.password) });

function setGeneral(settings: Partial<{ siteUrl: string; staticUrl: string; defaultPackageAccess: "public" | "private" }>) {
  return updateGeneralSettings(db, admin.actor, { siteUrl: "", staticUrl: "", defaultPackageAccess: "public", ...settings });
}

async function isPrivate(name: string): Promise<boolean | undefined> {
  const [row] = await db.select({ isPrivate: packages.isPrivate }).from(packages).where(eq(packages.normalizedName, name));
  return row?.isPrivate;
}

function fileLinks(html: string): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1]!.replaceAll("&amp;", "&"));
}

describe("the static URL", () => {
  it("is where a public project's simple page links its files, in HTML and JSON; a change is seen at once", async () => {
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceAuth())).status).toBe(200);
    const before = await call(server, "/alice/simple/demo-tool/");
    expect(fileLinks(before.text).every((link) => link.startsWith("../../pypi/files/"))).toBe(true);

    await setGeneral({ staticUrl: "https://cdn.example.test/granary/" });
    const html = await call(server, "/alice/simple/demo-tool/");
    const links = fileLinks(html.text);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^https:\/\/cdn\.example\.test\/granary\/alice\/pypi\/files\/demo_tool-1\.0-py3-none-any\.whl#sha256=[0-9a-f]{64}$/);
    expect(html.headers.etag).not.toBe(before.headers.etag);
    const json = await call(server, "/alice/simple/demo-tool/", { headers: { Accept: "application/vnd.pypi.simple.v1+json" } });
    const files = (JSON.parse(json.text) as { files: { url: string }[] }).files;
    expect(files.map((file) => file.url)).toEqual(["https://cdn.example.test/granary/alice/pypi/files/demo_tool-1.0-py3-none-any.whl"]);

    // Emptied again: links go back to Granary itself, without waiting for the channel to change.
    await setGeneral({ staticUrl: "" });
    expect(fileLinks((await call(server, "/alice/simple/demo-tool/")).text)[0]).toMatch(/^\.\.\/\.\.\/pypi\/files\//);
  });

  it("is never used for a private project's files, which need the credentials only Granary takes", async () => {
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceAuth())).status).toBe(200);
    await setPrivacy(db, alice.actor, { owner: "alice", name: "demo-tool", isPrivate: true });
    await setGeneral({ staticUrl: "https://cdn.example.test" });
    const page = await call(server, "/alice/simple/demo-tool/", { headers: aliceAuth() });
    expect(page.status).toBe(200);
    expect(fileLinks(page.text)[0]).toMatch(/^\.\.\/\.\.\/pypi\/files\//);
  });

  it("becomes repodata's base_url (CEP 15, repodata version 2) for public records, per label; private records keep version 1", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.library, aliceAuth())).status).toBe(201);
    expect((await condaStyleUpload(server, "alice", fixtures.application, aliceAuth(), { label: "dev" })).status).toBe(201);
    const plain = JSON.parse((await call(server, "/alice/noarch/repodata.json")).text) as { info: Record<string, unknown>; repodata_version: number };
    expect(plain).toMatchObject({ info: { subdir: "noarch" }, repodata_version: 1 });
    expect(plain.info.base_url).toBeUndefined();

    await setGeneral({ staticUrl: "https://cdn.example.test" });
    const main = JSON.parse((await call(server, "/alice/noarch/repodata.json")).text) as { info: Record<string, unknown>; repodata_version: number };
    expect(main).toMatchObject({ info: { subdir: "noarch", base_url: "https://cdn.example.test/alice/noarch/" }, repodata_version: 2 });
    const dev = JSON.parse((await call(server, "/alice/label/dev/noarch/repodata.json")).text) as { info: Record<string, unknown> };
    expect(dev.info.base_url).toBe("https://cdn.example.test/alice/label/dev/noarch/");

    await setPrivacy(db, alice.actor, { owner: "alice", name: "libdemo", isPrivate: true });
    const mine = JSON.parse((await call(server, "/alice/noarch/repodata.json", { headers: aliceAuth() })).text) as { info: Record<string, unknown>; repodata_version: number };
    expect(Object.keys((mine as unknown as { packages: object }).packages)).toHaveLength(1);
    expect(mine).toMatchObject({ info: { subdir: "noarch" }, repodata_version: 1 });
    expect(mine.info.base_url).toBeUndefined();
  });
});

describe("the default access of new packages", () => {
  it("makes new packages private when set so; an explicit choice at upload wins, and existing packages keep theirs", async () => {
    expect((await condaStyleUpload(server, "alice", fixtures.library, aliceAuth())).status).toBe(201);
    expect(await isPrivate("libdemo")).toBe(false);

    await setGeneral({ defaultPackageAccess: "private" });
    expect((await twineStyleUpload(server, "alice", fixtures.wheel, aliceAuth())).status).toBe(200);
    expect(await isPrivate("demo-tool")).toBe(true);
    expect((await condaStyleUpload(server, "alice", fixtures.application, aliceAuth(), { private: false })).status).toBe(201);
    expect(await isPrivate("demo-app")).toBe(false);

    // A new file of an existing public package does not hide it.
    const newer = buildCondaPackage({ name: "libdemo", version: "1.1" }, fixtures.directory);
    expect((await condaStyleUpload(server, "alice", newer, aliceAuth())).status).toBe(201);
    expect(await isPrivate("libdemo")).toBe(false);
  });
});
