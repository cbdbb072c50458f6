import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createPublishedPackage, createSiteAdmin, createTestOrganization, createUser, recordedAuditEvents, sentEmails } from "@/test/factories";
import { drainJobs } from "@/test/jobs";
import { customReportRangeSchema } from "@/shared/schemas/daily-report";
import type { Db } from "../db";
import { auditEvents, dailyDownloads, packages, users } from "../db/schema";
import type { JobContext } from "../jobs/definition";
import { dailyReportMailJob } from "../jobs/definitions/daily-report-mail";
import { dailyReport, dailyReportCsv, dailyReportFilename, resolveReportRange, shiftReportDay } from "./daily-report";

const db = setUpTestDatabase();

const today = new Date().toISOString().slice(0, 10);
const at = (day: string, time = "12:00:00") => new Date(`${day}T${time}Z`);

async function createdOn(table: typeof users | typeof packages, id: string, when: Date) {
  await db.update(table).set({ createdAt: when }).where(eq(table.id, id));
}

function jobContext(database: Db): JobContext {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  return { db: database, log, progress() {}, runId: "00000000-0000-4000-8000-000000000000", attempt: 1, signal: new AbortController().signal } as unknown as JobContext;
}

describe("the Daily Report's ranges", () => {
  it("resolves the presets in UTC days, weeks starting on Monday", () => {
    // A Wednesday late in the evening UTC.
    const now = new Date("2026-07-15T23:30:00Z");
    expect(resolveReportRange({ preset: "today" }, now)).toMatchObject({ from: "2026-07-15", until: "2026-07-15", days: 1 });
    expect(resolveReportRange({ preset: "yesterday" }, now)).toMatchObject({ from: "2026-07-14", until: "2026-07-14", days: 1 });
    expect(resolveReportRange({ preset: "this_week" }, now)).toMatchObject({ from: "2026-07-13", until: "2026-07-15", days: 3 });
    expect(resolveReportRange({ preset: "this_month" }, now)).toMatchObject({ from: "2026-07-01", until: "2026-07-15", days: 15 });
    // On a Sunday the week began six days before.
    expect(resolveReportRange({ preset: "this_week" }, new Date("2026-07-19T08:00:00Z"))).toMatchObject({ from: "2026-07-13", days: 7 });
    expect(resolveReportRange({ from: "2024-02-01", until: "2024-03-01" })).toMatchObject({ days: 30 });
  });

  it("refuses bad custom ranges with an error on the field, and reads nothing", async () => {
    const problems = (range: { from: string; until: string }) => {
      const parsed = customReportRangeSchema.safeParse(range);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };
    expect(problems({ from: "2026-03-10", until: "2026-03-09" })).toEqual(["until: Until must be the same day as From or later."]);
    expect(problems({ from: "2024-01-01", until: "2025-01-01" })).toEqual(["until: A report covers at most 366 days."]);
    expect(problems({ from: "2024-01-01", until: "2024-12-31" })).toEqual([]);
    expect(problems({ from: "2026-02-30", until: "2026-03-01" })).toEqual(["from: Give a date as YYYY-MM-DD (a day that exists)."]);
    expect(problems({ from: "", until: "2026-03-01" })[0]).toMatch(/^from: Give a date/);
    expect(problems({ from: shiftReportDay(today, 2), until: shiftReportDay(today, 3) })).toEqual(["from: From cannot be after today (UTC)."]);

    const admin = await createSiteAdmin(db);
    const failure = await failureOf(callerFor(admin.actor).dailyReport.get({ from: "2026-03-10", until: "2026-03-01" }));
    expect(failure.code).toBe("BAD_REQUEST");
  });

  it("is for administrators only", async () => {
    const user = await createUser(db);
    expect((await failureOf(callerFor(user.actor).dailyReport.get({ preset: "today" }))).code).toBe("FORBIDDEN");
  });
});

describe("the Daily Report", () => {
  it("counts what was new in the range and the totals at its end, day by day", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    await createdOn(users, admin.id, at("2025-12-01"));
    const ada = await createUser(db, { username: "ada" });
    await createdOn(users, ada.id, at("2026-03-02", "00:00:00"));
    const bob = await createUser(db, { username: "bob" });
    await createdOn(users, bob.id, at("2026-03-03", "23:59:59"));
    const late = await createUser(db, { username: "late" });
    await createdOn(users, late.id, at("2026-03-04", "00:00:00"));
    const organization = await createTestOrganization(db, ada, "lab");
    await db.update(users).set({ createdAt: at("2026-03-02") }).where(eq(users.username, organization.username));
    const numpy = await createPublishedPackage(db, ada, "numpy");
    await createdOn(packages, numpy.packageId, at("2026-03-03"));
    const old = await createPublishedPackage(db, ada, "old");
    await createdOn(packages, old.packageId, at("2026-01-01"));
    await db.insert(dailyDownloads).values([
      { fileId: numpy.fileId, day: "2026-03-03", count: 7 },
      { fileId: old.fileId, day: "2026-03-03", count: 2 },
      { fileId: old.fileId, day: "2026-03-05", count: 100 },
    ]);
    await db.delete(auditEvents);
    await db.insert(auditEvents).values([
      { action: "auth.sign_in", actorLabel: "ada", targetType: "user", createdAt: at("2026-03-02") },
      { action: "auth.sign_in", actorLabel: "bob", targetType: "user", createdAt: at("2026-03-03") },
      { action: "package.file_uploaded", actorLabel: "ada", targetType: "package", createdAt: at("2026-03-03") },
      { action: "auth.sign_in", actorLabel: "late", targetType: "user", createdAt: at("2026-03-04", "00:00:00") },
    ]);

    const report = await callerFor(admin.actor).dailyReport.get({ from: "2026-03-02", until: "2026-03-03" });
    expect(report).toMatchObject({
      from: "2026-03-02",
      until: "2026-03-03",
      days: 2,
      users: { new: 2, total: 3 },
      packages: { new: 1, total: 2 },
      organizations: { new: 1, total: 1 },
      downloads: 9,
    });
    expect(report.newUserEmails.map((user) => [user.username, user.email])).toEqual([
      ["bob", "bob@example.test"],
      ["ada", "ada@example.test"],
    ]);
    expect(report.actions).toEqual([
      { action: "auth.sign_in", label: "Signed in", count: 2 },
      { action: "package.file_uploaded", label: "Uploaded a file", count: 1 },
    ]);
    expect(report.series).toEqual([
      { day: "2026-03-02", newUsers: 1, newPackages: 0, downloads: 0 },
      { day: "2026-03-03", newUsers: 1, newPackages: 1, downloads: 9 },
    ]);
  });

  it("gives an empty range zeros for every day, and the totals", async () => {
    const admin = await createSiteAdmin(db);
    await createdOn(users, admin.id, at("2020-01-01"));
    const report = await dailyReport(db, admin.actor, { from: "2021-06-01", until: "2021-06-03" });
    expect(report).toMatchObject({ days: 3, users: { new: 0, total: 1 }, packages: { new: 0, total: 0 }, newUserEmails: [], actions: [], downloads: 0 });
    expect(report.series.map((day) => day.day)).toEqual(["2021-06-01", "2021-06-02", "2021-06-03"]);
    expect(report.series.every((day) => day.newUsers === 0 && day.newPackages === 0 && day.downloads === 0)).toBe(true);
  });

  it("counts a range's audit events by action from an index on created_at", async () => {
    await createSiteAdmin(db);
    // The planner would rightly read a table of a few rows whole; what matters is that an index serves the range.
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const start = `${today.slice(0, 7)}-01T00:00:00Z`;
      return tx.execute<{ "QUERY PLAN": string }>(sql`explain select action, count(*) from audit_events
        where created_at >= ${start}::timestamptz and created_at < now() group by action`);
    });
    expect(plan.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(/(Index Only Scan|Index Scan) using audit_events_created_action_idx|Bitmap Index Scan on audit_events_created_action_idx/);
  });

  it("downloads as CSV: the range, one row per day with the totals, the counts, the actions and the new accounts", async () => {
    const admin = await createSiteAdmin(db);
    await createdOn(users, admin.id, at("2025-01-01"));
    const hostile = await createUser(db, { username: "eve", email: "eve@example.test" });
    await createdOn(users, hostile.id, at("2026-03-02"));
    await db.update(users).set({ email: "=cmd@example.test" }).where(eq(users.id, hostile.id));
    await db.delete(auditEvents);
    const report = await dailyReport(db, admin.actor, { from: "2026-03-01", until: "2026-03-02" });
    expect(dailyReportFilename(report)).toBe("granary-daily-report-2026-03-01-to-2026-03-02.csv");
    expect(dailyReportCsv(report).split("\r\n")).toEqual([
      "from,until,days",
      "2026-03-01,2026-03-02,2",
      "",
      "day,new_users,new_packages,downloads",
      "2026-03-01,0,0,0",
      "2026-03-02,1,0,0",
      "total,1,0,0",
      "",
      "what,new,total",
      "users,1,2",
      "packages,0,0",
      "organizations,0,0",
      "",
      "action,count",
      "",
      "username,email",
      // A spreadsheet would run a cell that starts with "=": it is written as text.
      "eve,'=cmd@example.test",
      "",
    ]);
  });
});

describe("the daily report e-mail", () => {
  it("goes to the administrators who turned it on, once a day however often the job runs, and the switch is audited", async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    const quiet = await createSiteAdmin(db, { username: "quiet" });
    const demoted = await createSiteAdmin(db, { username: "demoted" });
    const api = callerFor(boss.actor).dailyReport;
    expect(await api.emailSubscription()).toEqual({ enabled: false });
    expect(await api.setEmailSubscription({ enabled: true })).toEqual({ enabled: true });
    expect(await api.emailSubscription()).toEqual({ enabled: true });
    expect(await callerFor(quiet.actor).dailyReport.emailSubscription()).toEqual({ enabled: false });
    await callerFor(demoted.actor).dailyReport.setEmailSubscription({ enabled: true });
    await db.update(users).set({ isSiteAdmin: false }).where(eq(users.id, demoted.id));
    const [event] = await recordedAuditEvents(db, { action: "admin.daily_report_email_changed" });
    expect(event).toMatchObject({ actorUserId: boss.id, details: { enabled: true } });

    const first = await dailyReportMailJob.run({}, jobContext(db));
    expect(first.sentTo).toEqual(["boss"]);
    expect((await dailyReportMailJob.run({}, jobContext(db))).sentTo).toEqual([]);
    await drainJobs();
    const mails = await sentEmails(db);
    expect(mails.map((mail) => mail.toAddress)).toEqual([boss.email]);
    const yesterday = shiftReportDay(today, -1);
    expect(mails[0]).toMatchObject({ subject: `Granary daily report for ${yesterday}`, template: "dailyReport" });
    expect(mails[0]!.text).toContain(`/admin/daily-report?from=${yesterday}&until=${yesterday}`);
    expect(mails[0]!.text).toMatch(/Users: \d+ new, \d+ in total/);

    await api.setEmailSubscription({ enabled: false });
    await db.execute(sql`update daily_report_subscriptions set last_sent_day = null`);
    expect((await dailyReportMailJob.run({}, jobContext(db))).sentTo).toEqual([]);
  });
});
