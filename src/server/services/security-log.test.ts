import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, type TestUser } from "@/test/factories";
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import { countCap } from "./security-log";

const db = setUpTestDatabase();

/** Events written straight to the table, one a day from `from`, so that the filters' edges are exact. */
async function insertEvents(database: Db, rows: Array<{ action: string; actor: TestUser | null; at: string }>) {
  await database.insert(auditEvents).values(
    rows.map((row) => ({
      action: row.action,
      actorUserId: row.actor?.id ?? null,
      actorLabel: row.actor?.username ?? "anonymous",
      targetType: "user",
      targetLabel: "someone",
      ipAddress: "203.0.113.9",
      details: { reason: "test" },
      createdAt: new Date(row.at),
    })),
  );
}

describe("Admin → Security Log", () => {
  async function world() {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });
    await db.delete(auditEvents);
    await insertEvents(db, [
      { action: "auth.sign_in", actor: ada, at: "2026-03-01T10:00:00Z" },
      { action: "auth.sign_in_failed", actor: null, at: "2026-03-02T23:59:59Z" },
      { action: "auth.sign_in", actor: admin, at: "2026-03-03T00:00:00Z" },
      { action: "admin.user_deactivated", actor: admin, at: "2026-03-04T12:00:00Z" },
      { action: "token.created", actor: ada, at: "2026-03-05T12:00:00Z" },
    ]);
    return { admin, ada, log: (input: object) => callerFor(admin.actor).adminPeople.listSecurityEvents(input) };
  }

  it("shows the newest first, with who acted as a link to their profile", async () => {
    const { log } = await world();
    const page = await log({});
    expect(page.items.map((item) => item.action)).toEqual(["token.created", "admin.user_deactivated", "auth.sign_in", "auth.sign_in_failed", "auth.sign_in"]);
    expect(page.items[0]).toMatchObject({ actorUsername: "ada", description: "Created an access token" });
    expect(page.items[3]).toMatchObject({ actorUsername: null, actorLabel: "anonymous" });
    expect(page).toMatchObject({ total: 5, totalIsCapped: false, nextAfter: null });
  });

  it("filters by action, by who acted and by a range of whole days, together", async () => {
    const { log } = await world();
    const actions = async (input: object) => (await log(input)).items.map((item) => `${item.action}@${item.createdAt.toISOString().slice(0, 10)}`);
    expect(await actions({ action: "auth.sign_in" })).toEqual(["auth.sign_in@2026-03-03", "auth.sign_in@2026-03-01"]);
    expect(await actions({ actor: "ADA" })).toEqual(["token.created@2026-03-05", "auth.sign_in@2026-03-01"]);
    // Both ends are included: the 2nd runs to 23:59:59, the 3rd starts at midnight.
    expect(await actions({ from: "2026-03-02", until: "2026-03-03" })).toEqual(["auth.sign_in@2026-03-03", "auth.sign_in_failed@2026-03-02"]);
    expect(await actions({ action: "auth.sign_in", actor: "boss", from: "2026-03-01" })).toEqual(["auth.sign_in@2026-03-03"]);
    expect((await log({ action: "auth.sign_in", until: "2026-03-02" })).total).toBe(1);
  });

  it("answers bad filters with field errors", async () => {
    const { admin } = await world();
    const log = (input: object) => failureOf(callerFor(admin.actor).adminPeople.listSecurityEvents(input as never));
    expect((await log({ actor: "nobody" })).fieldErrors).toEqual({ actor: "No account is named nobody." });
    expect((await log({ from: "2026-03-05", until: "2026-03-01" })).fieldErrors).toEqual({ until: "The range ends before it starts." });
    expect((await log({ from: "yesterday" })).fieldErrors).toEqual({ from: "Dates are written YYYY-MM-DD." });
    expect((await log({ from: "2026-02-31" })).code).toBe("BAD_REQUEST");
  });

  it("pages by the last event shown, also through events of the same instant", async () => {
    const { admin, log } = await world();
    await insertEvents(db, Array.from({ length: 3 }, () => ({ action: "auth.sign_out", actor: admin, at: "2026-03-06T00:00:00Z" })));
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const result = await log({ pageSize: 2, ...(after ? { after } : {}) });
      seen.push(...result.items.map((item) => item.id));
      if (!result.nextAfter) break;
      after = result.nextAfter;
    }
    const all = await db.select({ id: auditEvents.id }).from(auditEvents);
    expect(seen).toHaveLength(8);
    expect(new Set(seen)).toEqual(new Set(all.map((row) => row.id)));
  });

  it("counts exactly up to the cap, and says so past it", async () => {
    const { admin, log } = await world();
    await db.execute(sql`insert into audit_events (action, actor_user_id, actor_label, target_type, created_at)
      select 'auth.sign_out', ${admin.id}, 'boss', 'session', timestamptz '2025-01-01' + n * interval '1 second' from generate_series(1, ${countCap}) as n`);
    expect(await log({})).toMatchObject({ total: countCap, totalIsCapped: true });
    expect(await log({ action: "auth.sign_in" })).toMatchObject({ total: 2, totalIsCapped: false });
  });

  it("offers the actions present in the trail", async () => {
    const { admin } = await world();
    const actions = await callerFor(admin.actor).adminPeople.securityLogActions();
    expect(actions).toEqual([
      { action: "admin.user_deactivated", description: "Deactivated an account" },
      { action: "auth.sign_in", description: "Signed in" },
      { action: "auth.sign_in_failed", description: "Failed sign-in" },
      { action: "token.created", description: "Created an access token" },
    ]);
  });

  it("shows every field of one event", async () => {
    const { admin, ada, log } = await world();
    const [newest] = (await log({})).items;
    const event = await callerFor(admin.actor).adminPeople.getSecurityEvent({ id: newest!.id });
    expect(event).toMatchObject({ action: "token.created", actorUserId: ada.id, actorUsername: "ada", ipAddress: "203.0.113.9", details: { reason: "test" } });
    expect((await failureOf(callerFor(admin.actor).adminPeople.getSecurityEvent({ id: "00000000-0000-4000-8000-000000000000" }))).code).toBe("NOT_FOUND");
    expect((await failureOf(callerFor(ada.actor).adminPeople.getSecurityEvent({ id: newest!.id }))).code).toBe("FORBIDDEN");
  });
});
