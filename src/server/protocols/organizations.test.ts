/**
 * Organizations at the package endpoints: their channels at the same URLs as a user's, members publishing there
 * with their own tokens, each group level and selected-package groups seeing exactly what they reach, a member
 * removed a moment ago losing access on the very next request, plan limits refused where they bite, and two
 * organizations that never see each other's private packages.
 */
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createTestOrganization, createUser, type TestOrganization, type TestUser } from "@/test/factories";
import { buildCondaPackage, buildPythonDistributions } from "@/test/package-fixtures";
import { requireTools } from "@/test/tools";
import { packages, plans } from "../db/schema";
import { call, condaStyleUpload, startTestServer, temporaryDirectory, twineStyleUpload, type TestServer } from "./test-support";

requireTools("cph", "pythonBuild");
const db = setUpTestDatabase();

let fixtures: { directory: string; public: string; secret: string; other: string; wheel: string };
beforeAll(() => {
  const directory = temporaryDirectory("organization-fixtures");
  fixtures = {
    directory,
    public: buildCondaPackage({ name: "team-public", version: "1.0" }, directory),
    secret: buildCondaPackage({ name: "team-secret", version: "1.0" }, directory, "conda"),
    other: buildCondaPackage({ name: "team-other", version: "1.0" }, directory),
    wheel: buildPythonDistributions({ name: "team-wheel", version: "1.0" }, directory).wheel,
  };
}, 120_000);
afterAll(() => fs.rmSync(fixtures.directory, { recursive: true, force: true }));

let server: TestServer;
let owner: TestUser;
let team: TestOrganization;
beforeEach(async () => {
  server = await startTestServer(db);
  owner = await createUser(db, { username: "owner" });
  team = await createTestOrganization(db, owner, "team");
  // The shipped Free organization plan has no private packages; these tests are about access, not limits.
  await db.update(plans).set({ maxPrivatePackages: null }).where(eq(plans.slug, "free-organization"));
});
afterEach(async () => {
  await server.close();
});

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

async function member(username: string, group: { name: string; level: "read" | "write" | "admin"; reachesAllPackages?: boolean }) {
  const person = await createUser(db, { username });
  const api = callerFor(owner.actor);
  const { groups } = await api.organizations.groups({ organization: "team" });
  if (!groups.some((existing) => existing.name === group.name)) {
    await api.organizations.createGroup({ organization: "team", name: group.name, level: group.level, reachesAllPackages: group.reachesAllPackages ?? true });
  }
  await api.organizations.addGroupMember({ organization: "team", group: group.name, username });
  return { person, token: await createAccessToken(db, person, { name: `${username}-token`, scopes: ["conda", "pypi", "repos"] }) };
}

async function repodataNames(headers: Record<string, string> = {}): Promise<string[]> {
  const response = await call(server, "/team/noarch/repodata.json", { headers });
  expect(response.status).toBe(200);
  const body = JSON.parse(response.text) as { packages: Record<string, unknown>; "packages.conda": Record<string, unknown> };
  return [...Object.keys(body.packages), ...Object.keys(body["packages.conda"])].map((file) => file.split("-1.0")[0]!).sort();
}

async function publishAsOwner() {
  const ownerToken = await createAccessToken(db, owner, { name: "owner-token", scopes: ["all"] });
  expect((await condaStyleUpload(server, "team", fixtures.public, bearer(ownerToken.secret))).status).toBe(201);
  expect((await condaStyleUpload(server, "team", fixtures.secret, bearer(ownerToken.secret), { private: true })).status).toBe(201);
  expect((await condaStyleUpload(server, "team", fixtures.other, bearer(ownerToken.secret), { private: true })).status).toBe(201);
}

describe("an organization's channels", () => {
  it("take uploads from members with write access, through the conda API and twine, with their own tokens", async () => {
    const { token } = await member("writer", { name: "Writers", level: "write" });
    expect((await condaStyleUpload(server, "team", fixtures.public, bearer(token.secret))).status).toBe(201);
    expect((await twineStyleUpload(server, "team", fixtures.wheel, bearer(token.secret))).status).toBe(200);
    expect(await repodataNames()).toEqual(["team-public"]);
    expect((await call(server, "/team/simple/team-wheel/")).status).toBe(200);

    const { token: readerToken } = await member("reader", { name: "Readers", level: "read" });
    const refused = await condaStyleUpload(server, "team", fixtures.other, bearer(readerToken.secret));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error).toBe("You cannot publish under team.");
    const outsider = await createUser(db, { username: "outsider" });
    const outsiderToken = await createAccessToken(db, outsider, { scopes: ["conda"] });
    expect((await condaStyleUpload(server, "team", fixtures.other, bearer(outsiderToken.secret))).status).toBe(403);
  });

  it("show each member exactly the packages their groups reach, and hide the rest as if missing", async () => {
    await publishAsOwner();
    const { token: reader } = await member("reader", { name: "Readers", level: "read" });
    const { token: selected } = await member("selected", { name: "Secret readers", level: "read", reachesAllPackages: false });
    await callerFor(owner.actor).packages.addGroup({ owner: "team", name: "team-secret", group: "Secret readers" });
    const outsider = await createUser(db, { username: "outsider" });
    const outsiderToken = await createAccessToken(db, outsider, { scopes: ["repos"] });

    expect(await repodataNames()).toEqual(["team-public"]);
    expect(await repodataNames(bearer(reader.secret))).toEqual(["team-other", "team-public", "team-secret"]);
    expect(await repodataNames(bearer(selected.secret))).toEqual(["team-public", "team-secret"]);
    expect(await repodataNames(bearer(outsiderToken.secret))).toEqual(["team-public"]);

    const hidden = "/team/noarch/team-other-1.0-py_0.tar.bz2";
    const missing = "/team/noarch/team-gone-1.0-py_0.tar.bz2";
    for (const headers of [{}, bearer(selected.secret), bearer(outsiderToken.secret)]) {
      const [a, b] = await Promise.all([call(server, hidden, { headers }), call(server, missing, { headers })]);
      expect([a.status, b.status]).toEqual([404, 404]);
      expect(a.text.replace("team-other", "team-gone")).toBe(b.text);
    }
    expect((await call(server, hidden, { headers: bearer(reader.secret) })).status).toBe(200);
    expect((await call(server, "/team/noarch/team-secret-1.0-py_0.conda", { headers: bearer(selected.secret) })).status).toBe(200);
    const answer = await call(server, "/team/noarch/repodata.json", { headers: bearer(selected.secret) });
    expect(answer.headers["cache-control"]).toBe("private, no-cache");
  });

  it("forget a member removed a moment ago on the very next request", async () => {
    await publishAsOwner();
    const { token } = await member("leaver", { name: "Readers", level: "read" });
    expect(await repodataNames(bearer(token.secret))).toEqual(["team-other", "team-public", "team-secret"]);
    await callerFor(owner.actor).organizations.removeMember({ organization: "team", username: "leaver" });
    expect(await repodataNames(bearer(token.secret))).toEqual(["team-public"]);
    expect((await call(server, "/team/noarch/team-other-1.0-py_0.tar.bz2", { headers: bearer(token.secret) })).status).toBe(404);
  });

  it("take a token restricted to the organization's channel, and nothing outside it", async () => {
    await publishAsOwner();
    const { person } = await member("writer", { name: "Writers", level: "write" });
    const restricted = await createAccessToken(db, person, { name: "team-only", scopes: ["conda"], channelOwnerId: team.id });
    expect(await repodataNames(bearer(restricted.secret))).toEqual(["team-other", "team-public", "team-secret"]);
    expect((await call(server, "/writer/noarch/repodata.json", { headers: bearer(restricted.secret) })).status).toBe(404);
    expect((await condaStyleUpload(server, "writer", fixtures.public, bearer(restricted.secret))).status).toBe(404);
  });

  it("refuse what would pass the plan, with a message naming the limit, and store nothing", async () => {
    await db.update(plans).set({ maxPrivatePackages: 0, maxStorageBytes: 1_000_000 }).where(eq(plans.slug, "free-organization"));
    const ownerToken = await createAccessToken(db, owner, { name: "owner-token", scopes: ["all"] });
    const privateUpload = await condaStyleUpload(server, "team", fixtures.secret, bearer(ownerToken.secret), { private: true });
    expect(privateUpload.status).toBe(403);
    expect(JSON.parse(privateUpload.text).error).toContain("team's plan (Free) allows no private packages, and team has 0.");
    expect(await db.select().from(packages)).toEqual([]);

    const size = fs.statSync(fixtures.wheel).size;
    await db.update(plans).set({ maxStorageBytes: size - 1 }).where(eq(plans.slug, "free-organization"));
    const tooBig = await twineStyleUpload(server, "team", fixtures.wheel, bearer(ownerToken.secret));
    expect(tooBig.status).toBe(403);
    // twine prints the status line's reason phrase: the limit must be in it.
    expect(tooBig.statusMessage).toContain("team's plan (Free) allows");
    expect(await db.select().from(packages)).toEqual([]);
    expect(fs.readdirSync(path.join(server.store.root, "tmp")).filter((name) => name.endsWith(".part"))).toEqual([]);
  });
});

describe("two organizations", () => {
  it("never see each other's private packages, in any index or listing", async () => {
    await publishAsOwner();
    const rival = await createUser(db, { username: "rival" });
    await createTestOrganization(db, rival, "rivals");
    const rivalToken = await createAccessToken(db, rival, { name: "rival", scopes: ["all"] });
    expect(await repodataNames(bearer(rivalToken.secret))).toEqual(["team-public"]);
    const channeldata = JSON.parse((await call(server, "/team/channeldata.json", { headers: bearer(rivalToken.secret) })).text) as { packages: object };
    expect(Object.keys(channeldata.packages)).toEqual(["team-public"]);
    const search = await callerFor(rival.actor).packages.search({ query: "team" });
    expect({ names: search.items.map((item) => item.name), total: search.total }).toEqual({ names: ["team-public"], total: 1 });
    const listing = await callerFor(rival.actor).packages.listByOwner({ owner: "team" });
    expect(listing.total).toBe(1);
  });
});
