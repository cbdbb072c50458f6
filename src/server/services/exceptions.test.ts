import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, recordedAuditEvents } from "@/test/factories";
import { exceptionGroups, exceptions } from "../db/schema";
import { fingerprintOf, normalizeFrame, recordException, scrubHeaders, scrubPath } from "./exceptions";

const db = setUpTestDatabase();

function failAt(stack: string[], name = "TypeError", message = "x is undefined"): Error {
  const error = new Error(message);
  error.name = name;
  error.stack = [`${name}: ${message}`, ...stack].join("\n");
  return error;
}

const buildOne = [
  "    at loadPackage (/srv/granary-1.2/.next/server/chunks/4821.a1b2c3d4e5f6.js:12:345)",
  "    at async Object.get [as handler] (/srv/granary-1.2/src/server/services/packages.ts:88:9)",
  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
];
const buildTwo = [
  "    at loadPackage (/opt/other/.next/server/chunks/977.ffee0011aabb.js:40:7)",
  "    at async Object.get [as handler] (/opt/other/src/server/services/packages.ts:91:13)",
  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
];

describe("exception fingerprints", () => {
  it("keep the type and the top frames, without line numbers, folders or build hashes", () => {
    expect(normalizeFrame(buildOne[0]!)).toBe("loadPackage (.next/server/chunks/#.#.js)");
    expect(normalizeFrame(buildOne[1]!)).toBe("Object.get (src/server/services/packages.ts)");
    expect(normalizeFrame(buildOne[2]!)).toBeNull();
    const first = fingerprintOf(failAt(buildOne, "TypeError", "row 12 is undefined"));
    const second = fingerprintOf(failAt(buildTwo, "TypeError", "row 9000 is undefined"));
    expect(first.fingerprint).toBe(second.fingerprint);
    expect(first.errorType).toBe("TypeError");
    expect(fingerprintOf(failAt(buildOne, "RangeError")).fingerprint).not.toBe(first.fingerprint);
    expect(fingerprintOf(failAt(["    at otherPlace (/srv/src/server/x.ts:1:1)"])).fingerprint).not.toBe(first.fingerprint);
    // Without frames the message counts, its numbers and ids blanked.
    const bare = (message: string) => fingerprintOf(Object.assign(new Error(message), { stack: undefined })).fingerprint;
    expect(bare("job 12 failed")).toBe(bare("job 345 failed"));
    expect(bare("job 12 failed")).not.toBe(bare("disk full"));
  });
});

describe("scrubbing a request", () => {
  it("removes credentials from headers: Authorization, Cookie, X-Api-Key, anything named like a token, and token values", () => {
    const headers = new Headers({
      Authorization: "Bearer granary-abc",
      Cookie: "authjs.session-token=secret",
      "X-Api-Key": "granary-def",
      "X-Upload-Token": "whatever",
      "X-Forwarded-For": "203.0.113.7",
      "X-Custom": "granary-0123456789",
      "User-Agent": "pip/24.0",
    });
    expect(scrubHeaders(headers)).toEqual({
      authorization: "[removed]",
      cookie: "[removed]",
      "x-api-key": "[removed]",
      "x-upload-token": "[removed]",
      "x-forwarded-for": "203.0.113.7",
      "x-custom": "[removed]",
      "user-agent": "pip/24.0",
    });
    expect(scrubHeaders({ "proxy-authorization": "Basic eDp5", accept: ["a", "b"] })).toEqual({ "proxy-authorization": "[removed]", accept: "a, b" });
  });

  it("removes tokens from paths and query strings", () => {
    expect(scrubPath("/t/granary-secret/ada/noarch/repodata.json")).toBe("/t/[removed]/ada/noarch/repodata.json");
    expect(scrubPath("/reset-password?token=abc&next=/x")).toBe("/reset-password?token=[removed]&next=/x");
    expect(scrubPath("/x?api_key=1&q=numpy&access_token=2&password=3&v=granary-abc")).toBe("/x?api_key=[removed]&q=numpy&access_token=[removed]&password=[removed]&v=[removed]");
  });
});

describe("recording and grouping exceptions", () => {
  it("counts occurrences in one group with first and last seen, keeps the scrubbed request and who made it", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    await recordException(db, failAt(buildOne), { route: "/api/trpc/packages.get?token=abc", method: "GET", userId: admin.id, headers: new Headers({ cookie: "s=1", accept: "*/*" }) });
    await recordException(db, failAt(buildTwo), { route: "/t/granary-xyz/ada/", method: "POST", headers: { authorization: "Basic eDp5" } });
    await recordException(db, new Error("something else entirely"), {});

    const api = callerFor(admin.actor);
    const list = await api.admin.listExceptions({});
    expect(list.total).toBe(2);
    const group = list.items.find((item) => item.errorType === "TypeError")!;
    expect(group).toMatchObject({ occurrences: 2, unread: true, resolvedAt: null, topFrame: "loadPackage (.next/server/chunks/#.#.js)" });
    expect(group.lastSeenAt.getTime()).toBeGreaterThanOrEqual(group.firstSeenAt.getTime());

    const detail = await api.exceptions.group({ fingerprint: group.fingerprint });
    expect(detail.stack).toContain("/opt/other/");
    expect(detail.latestOccurrences).toHaveLength(2);
    expect(detail.latestOccurrences[0]).toMatchObject({ method: "POST", route: "/t/[removed]/ada/", requestHeaders: { authorization: "[removed]" }, username: null });
    expect(detail.latestOccurrences[1]).toMatchObject({ method: "GET", route: "/api/trpc/packages.get?token=[removed]", requestHeaders: { cookie: "[removed]", accept: "*/*" }, username: "boss" });
    const stored = await db.select({ headers: exceptions.requestHeaders, route: exceptions.route }).from(exceptions);
    expect(JSON.stringify(stored)).not.toMatch(/Basic eDp5|s=1|token=abc|granary-xyz/);
  });

  it("resolves a group, audited, and reopens it when the error comes back", async () => {
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor);
    await recordException(db, failAt(buildOne), {});
    const { fingerprint } = fingerprintOf(failAt(buildOne));
    expect(await api.exceptions.setResolved({ fingerprint, resolved: true })).toMatchObject({ fingerprint, resolvedAt: expect.any(Date) });
    expect((await api.admin.listExceptions({})).total).toBe(0);
    expect((await api.admin.listExceptions({ status: "resolved" })).items.map((item) => item.fingerprint)).toEqual([fingerprint]);
    const [event] = await recordedAuditEvents(db, { action: "admin.exception_resolved" });
    expect(event).toMatchObject({ actorUserId: admin.id, targetId: fingerprint });

    await recordException(db, failAt(buildTwo), {});
    const [reopened] = (await api.admin.listExceptions({})).items;
    expect(reopened).toMatchObject({ fingerprint, occurrences: 2, resolvedAt: null, reopenedCount: 1 });
    const [row] = await db.select().from(exceptionGroups).where(eq(exceptionGroups.fingerprint, fingerprint));
    expect(row!.resolvedById).toBeNull();
  });

  it("marks every group read with Mark all as read, until the next occurrence", async () => {
    const admin = await createSiteAdmin(db);
    const api = callerFor(admin.actor).admin;
    await recordException(db, failAt(buildOne), {});
    await recordException(db, new Error("other"), {});
    expect(await api.markExceptionsRead()).toEqual({ marked: 2 });
    expect((await api.listExceptions({})).items.map((item) => item.unread)).toEqual([false, false]);
    expect(await api.unreadExceptionCount()).toEqual({ unread: 0 });
    await recordException(db, failAt(buildTwo), {});
    expect((await api.listExceptions({})).items.find((item) => item.errorType === "TypeError")).toMatchObject({ unread: true });
    expect(await api.unreadExceptionCount()).toEqual({ unread: 1 });
  });
});
