import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createSiteAdmin, createUser } from "@/test/factories";
import { systemLogs } from "../db/schema";

const db = setUpTestDatabase();

async function logged(category: (typeof systemLogs.$inferInsert)["category"], message: string, minutesAgo: number, context?: Record<string, unknown>) {
  await db.insert(systemLogs).values({ level: "info", category, message, context, loggedAt: new Date(Date.now() - minutesAgo * 60_000) });
}

describe("the System logs", () => {
  it("lists one category newest first, searched by text and time, a page after another", async () => {
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).logs;
    await logged("startup_info", "Embedded PostgreSQL is running", 50);
    await logged("startup_info", "Granary is ready", 40, { port: 3000 });
    await logged("startup_info", "100%_literal", 30);
    await logged("api_errors", "GET /x failed", 20);

    expect((await api.system({ category: "startup_info" })).items.map((item) => item.message)).toEqual(["100%_literal", "Granary is ready", "Embedded PostgreSQL is running"]);
    expect((await api.system({ category: "api_errors" })).items.map((item) => item.message)).toEqual(["GET /x failed"]);
    await db.insert(systemLogs).values({ level: "error", category: "api_errors", message: "GET /y failed", requestId: "edge-7f3a.42" });
    expect((await api.system({ category: "api_errors", query: "edge-7f3a.42" })).items.map((item) => item.message)).toEqual(["GET /y failed"]);
    await db.delete(systemLogs).where(eq(systemLogs.requestId, "edge-7f3a.42"));
    expect((await api.system({ category: "user_tasks" })).items).toEqual([]);
    expect((await api.system({ category: "startup_info", query: "READY" })).items.map((item) => item.message)).toEqual(["Granary is ready"]);
    expect((await api.system({ category: "startup_info", query: "3000" })).items.map((item) => item.message)).toEqual(["Granary is ready"]);
    expect((await api.system({ category: "startup_info", query: "%_" })).items.map((item) => item.message)).toEqual(["100%_literal"]);
    const range = await api.system({ category: "startup_info", from: new Date(Date.now() - 45 * 60_000), to: new Date(Date.now() - 35 * 60_000) });
    expect(range.items.map((item) => item.message)).toEqual(["Granary is ready"]);

    const first = await api.system({ category: "startup_info", limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await api.system({ category: "startup_info", limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.message)).toEqual(["Embedded PostgreSQL is running"]);
    expect(second.nextCursor).toBeNull();
  });

  it("refuses a made-up cursor, an end before the start, and anyone but administrators", async () => {
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).logs;
    expect((await failureOf(api.system({ category: "startup_info", cursor: "not-a-cursor" }))).code).toBe("BAD_REQUEST");
    const now = new Date();
    expect((await failureOf(api.system({ category: "startup_info", from: now, to: new Date(now.getTime() - 1000) }))).code).toBe("BAD_REQUEST");
    const user = await createUser(db);
    expect((await failureOf(callerFor(user.actor).logs.system({ category: "startup_info" }))).code).toBe("FORBIDDEN");
    expect((await failureOf(callerFor(anonymous()).logs.system({ category: "startup_info" }))).code).toBe("UNAUTHORIZED");
  });
});

describe("the Logs page's audit views", () => {
  it("shows sign-ins, failed or not, from where, in the authentication log, and administrators' actions in the platform log", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    const ada = await createUser(db, { username: "ada" });
    await callerFor(anonymous()).account.signIn({ login: "ada", password: ada.password }).catch(() => {});
    await failureOf(callerFor(anonymous()).account.signIn({ login: "ada", password: "wrong password" }));
    await callerFor(admin.actor).jobs.restartWorkers();
    await callerFor(admin.actor).admin.updateSettings({ openRegistration: false });

    const api = callerFor(admin.actor).logs;
    const authentication = await api.audit({ log: "authentication" });
    expect(authentication.items.map((entry) => [entry.action, entry.succeeded])).toEqual([
      ["auth.sign_in_failed", false],
      ["auth.sign_in", true],
    ]);
    expect(authentication.items[0]?.ipAddress).toEqual(expect.any(String));
    expect((await api.audit({ log: "authentication", failuresOnly: true })).items.map((entry) => entry.action)).toEqual(["auth.sign_in_failed"]);
    expect((await api.audit({ log: "authentication", actor: "nobody" })).items).toEqual([]);

    const platform = await api.audit({ log: "platform" });
    expect(platform.items.map((entry) => entry.action)).toEqual(["admin.settings_updated", "admin.workers_restart_requested"]);
    expect((await api.audit({ log: "platform", actor: "BOSS", limit: 1 })).nextCursor).toEqual(expect.any(String));
    const next = await api.audit({ log: "platform", limit: 1, cursor: (await api.audit({ log: "platform", limit: 1 })).nextCursor! });
    expect(next.items.map((entry) => entry.action)).toEqual(["admin.workers_restart_requested"]);
  });
});
