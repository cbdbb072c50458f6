import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createPublishedPackage, createSiteAdmin, createTestOrganization, createUser } from "@/test/factories";
import { users } from "../db/schema";
import { addMember } from "./organizations";

const db = setUpTestDatabase();

describe("Admin → Organizations", () => {
  async function world() {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });
    const bob = await createUser(db, { username: "bob" });
    const cy = await createUser(db, { username: "cy" });
    const engines = await createTestOrganization(db, ada, "engines");
    const looms = await createTestOrganization(db, ada, "Looms");
    const mills = await createTestOrganization(db, ada, "mills");
    for (const person of [bob, cy]) await addMember(db, ada.actor, { organization: looms.username, username: person.username });
    await addMember(db, ada.actor, { organization: mills.username, username: bob.username });
    for (const name of ["a", "b", "c"]) await createPublishedPackage(db, engines, `engine-${name}`);
    await createPublishedPackage(db, mills, "mill-a");
    await db.update(users).set({ createdAt: new Date("2024-01-01") }).where(eq(users.id, engines.id));
    await db.update(users).set({ createdAt: new Date("2026-01-01") }).where(eq(users.id, looms.id));
    await db.update(users).set({ createdAt: new Date("2025-01-01") }).where(eq(users.id, mills.id));
    return { admin, ada };
  }

  it("lists name, members, packages, plan and created, in each order, a page at a time", async () => {
    const { admin } = await world();
    const list = (input: object) => callerFor(admin.actor).adminPeople.listOrganizations(input);
    const names = async (input: object) => (await list(input)).items.map((row) => row.username);

    const byName = await list({});
    expect(byName.total).toBe(3);
    expect(byName.items.map((row) => row.username)).toEqual(["engines", "Looms", "mills"]);
    expect(byName.items[0]).toMatchObject({ members: 1, packages: 3, owners: ["ada"], plan: expect.any(String), createdAt: new Date("2024-01-01") });
    expect(await names({ sort: "created" })).toEqual(["Looms", "mills", "engines"]);
    expect(await names({ sort: "members" })).toEqual(["Looms", "mills", "engines"]);
    expect(await names({ sort: "packages" })).toEqual(["engines", "mills", "Looms"]);
    expect(await names({ sort: "members", page: 2, pageSize: 2 })).toEqual(["engines"]);
    expect(await names({ query: "OOM" })).toEqual(["Looms"]);
    expect(await names({ query: "ada" })).toEqual([]);
  });

  it("is for site administrators only", async () => {
    const { ada } = await world();
    expect((await failureOf(callerFor(ada.actor).adminPeople.listOrganizations({}))).code).toBe("FORBIDDEN");
  });
});
