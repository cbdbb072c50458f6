/**
 * Admin → Daily Report (seed 000's Staff menu): what happened on the site over a range of UTC days — accounts,
 * packages and organizations new and in total, the new accounts' addresses, the audit trail's actions, and a day
 * by day series of new accounts, new packages and downloads. Every figure is counted in SQL over the created_at
 * indexes (the days come from generate_series), so This Month costs a handful of index scans whatever the site's
 * size. The CSV download and the daily e-mail are built from the same report.
 */
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { publicUrl } from "@/env";
import {
  daysInRange,
  dailyReportEmailSchema,
  dailyReportRangeSchema,
  type DailyReportPreset,
  utcToday,
} from "@/shared/schemas/daily-report";
import { assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { dailyReportSubscriptions } from "../db/schema";
import { auditActions, recordAudit } from "./audit";

export interface ResolvedReportRange {
  /** First and last day, YYYY-MM-DD, both included, in UTC. */
  from: string;
  until: string;
  days: number;
  preset: DailyReportPreset | null;
}

function shiftDay(day: string, by: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + by);
  return date.toISOString().slice(0, 10);
}

/** The days a preset stands for on `now`'s UTC day; weeks start on Monday (ISO 8601). */
export function resolveReportRange(rawRange: z.input<typeof dailyReportRangeSchema>, now = new Date()): ResolvedReportRange {
  const range = dailyReportRangeSchema.parse(rawRange);
  const today = utcToday(now);
  let from: string;
  let until = today;
  let preset: DailyReportPreset | null = null;
  if ("preset" in range) {
    preset = range.preset;
    if (range.preset === "today") from = today;
    else if (range.preset === "yesterday") from = until = shiftDay(today, -1);
    else if (range.preset === "this_week") from = shiftDay(today, -((now.getUTCDay() + 6) % 7));
    else from = `${today.slice(0, 7)}-01`;
  } else {
    ({ from, until } = range);
  }
  return { from, until, days: daysInRange(from, until), preset };
}

export interface DailyReportDay {
  day: string;
  newUsers: number;
  newPackages: number;
  downloads: number;
}

export interface DailyReport extends ResolvedReportRange {
  users: { new: number; total: number };
  packages: { new: number; total: number };
  organizations: { new: number; total: number };
  /** The range's new accounts, newest first, at most `newUserEmailsShown` of them (users.new says how many). */
  newUserEmails: Array<{ username: string; email: string; createdAt: Date }>;
  actions: Array<{ action: string; label: string; count: number }>;
  series: DailyReportDay[];
  downloads: number;
}

export const newUserEmailsShown = 500;

/** The report itself, for an administrator's page, the CSV and the daily e-mail. */
export async function buildDailyReport(db: Db, range: ResolvedReportRange): Promise<DailyReport> {
  // [start, end): the first day's midnight to the midnight after the last day, UTC.
  const start = `${range.from}T00:00:00Z`;
  const end = `${shiftDay(range.until, 1)}T00:00:00Z`;
  const [[totals], seriesRows, actionRows, emailRows] = await Promise.all([
    db.execute<Record<string, number>>(sql`
      select
        (select count(*)::int from users where kind = 'user' and created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz) as new_users,
        (select count(*)::int from users where kind = 'user' and created_at < ${end}::timestamptz) as total_users,
        (select count(*)::int from users where kind = 'organization' and created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz) as new_organizations,
        (select count(*)::int from users where kind = 'organization' and created_at < ${end}::timestamptz) as total_organizations,
        (select count(*)::int from packages where created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz) as new_packages,
        (select count(*)::int from packages where created_at < ${end}::timestamptz) as total_packages`),
    // Downloads: the rolled-up table is final up to the day before its latest day; from then on the live per-file
    // counts are read too and the larger total is taken, as the package pages do (services/download-statistics.ts).
    db.execute<{ day: string; new_users: number; new_packages: number; downloads: string | number }>(sql`
      with days as (
        select generate_series(${range.from}::date, ${range.until}::date, interval '1 day')::date as day
      ), new_users as (
        select (created_at at time zone 'utc')::date as day, count(*)::int as n from users
        where kind = 'user' and created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz group by 1
      ), new_packages as (
        select (created_at at time zone 'utc')::date as day, count(*)::int as n from packages
        where created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz group by 1
      ), rolled as (
        select day, sum(count)::bigint as n from package_download_days where day between ${range.from}::date and ${range.until}::date group by day
      ), live_since as (
        select greatest(${range.from}::date, coalesce(max(day) - 1, '-infinity'::date)) as day from package_download_days
      ), live as (
        select day, sum(count)::bigint as n from daily_downloads
        where day >= (select day from live_since) and day <= ${range.until}::date group by day
      )
      select days.day::text as day, coalesce(new_users.n, 0) as new_users, coalesce(new_packages.n, 0) as new_packages,
        greatest(coalesce(rolled.n, 0), coalesce(live.n, 0)) as downloads
      from days
      left join new_users using (day)
      left join new_packages using (day)
      left join rolled using (day)
      left join live using (day)
      order by days.day`),
    db.execute<{ action: string; count: number }>(sql`
      select action, count(*)::int as count from audit_events
      where created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz
      group by action order by count desc, action`),
    db.execute<{ username: string; email: string; created_at: Date | string }>(sql`
      select username, email, created_at from users
      where kind = 'user' and created_at >= ${start}::timestamptz and created_at < ${end}::timestamptz
      order by created_at desc limit ${newUserEmailsShown}`),
  ]);
  const series = seriesRows.map((row) => ({ day: row.day, newUsers: row.new_users, newPackages: row.new_packages, downloads: Number(row.downloads) }));
  return {
    ...range,
    users: { new: totals?.new_users ?? 0, total: totals?.total_users ?? 0 },
    packages: { new: totals?.new_packages ?? 0, total: totals?.total_packages ?? 0 },
    organizations: { new: totals?.new_organizations ?? 0, total: totals?.total_organizations ?? 0 },
    newUserEmails: emailRows.map((row) => ({ username: row.username, email: row.email, createdAt: new Date(row.created_at) })),
    actions: actionRows.map((row) => ({ action: row.action, label: (auditActions as Record<string, string>)[row.action] ?? row.action, count: row.count })),
    series,
    downloads: series.reduce((sum, day) => sum + day.downloads, 0),
  };
}

/** The Daily Report for a preset or a custom range (the benchmark calls this one). */
export async function dailyReport(db: Db, actor: Actor, rawRange: z.input<typeof dailyReportRangeSchema>, now = new Date()): Promise<DailyReport> {
  assertCan(actor, "admin:users:read");
  return buildDailyReport(db, resolveReportRange(rawRange, now));
}

// ---------------------------------------------------------------------------------------------- CSV

/** A spreadsheet must not run what an account name says: cells that would start a formula are quoted as text. */
function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRows(rows: Array<Array<string | number>>): string {
  return rows.map((row) => row.map(csvCell).join(",")).join("\r\n");
}

/** The report as CSV, in sections separated by an empty line: the range, the days with their totals, the counts, the actions, the new accounts. */
export function dailyReportCsv(report: DailyReport): string {
  const sum = (pick: (day: DailyReportDay) => number) => report.series.reduce((total, day) => total + pick(day), 0);
  const sections = [
    [
      ["from", "until", "days"],
      [report.from, report.until, report.days],
    ],
    [
      ["day", "new_users", "new_packages", "downloads"],
      ...report.series.map((day) => [day.day, day.newUsers, day.newPackages, day.downloads]),
      ["total", sum((day) => day.newUsers), sum((day) => day.newPackages), sum((day) => day.downloads)],
    ],
    [
      ["what", "new", "total"],
      ["users", report.users.new, report.users.total],
      ["packages", report.packages.new, report.packages.total],
      ["organizations", report.organizations.new, report.organizations.total],
    ],
    [["action", "count"], ...report.actions.map((action) => [action.action, action.count])],
    [["username", "email"], ...report.newUserEmails.map((user) => [user.username, user.email])],
  ];
  return `${sections.map(csvRows).join("\r\n\r\n")}\r\n`;
}

export function dailyReportFilename(range: Pick<ResolvedReportRange, "from" | "until">): string {
  return `granary-daily-report-${range.from}-to-${range.until}.csv`;
}

// ---------------------------------------------------------------------------------------------- the daily e-mail

/** The page's "E-mail me the daily report" switch, for the administrator looking at it. */
export async function getDailyReportEmail(db: Db, actor: Actor): Promise<{ enabled: boolean }> {
  assertCan(actor, "admin:users:read");
  const [row] = await db.select({ userId: dailyReportSubscriptions.userId }).from(dailyReportSubscriptions).where(eq(dailyReportSubscriptions.userId, requireUser(actor).user.id));
  return { enabled: row !== undefined };
}

export async function setDailyReportEmail(db: Db, actor: Actor, rawInput: z.input<typeof dailyReportEmailSchema>): Promise<{ enabled: boolean }> {
  assertCan(actor, "admin:users:read");
  const { enabled } = dailyReportEmailSchema.parse(rawInput);
  const admin = requireUser(actor).user;
  await db.transaction(async (tx) => {
    if (enabled) await tx.insert(dailyReportSubscriptions).values({ userId: admin.id }).onConflictDoNothing();
    else await tx.delete(dailyReportSubscriptions).where(eq(dailyReportSubscriptions.userId, admin.id));
    await recordAudit(tx, actor, { action: "admin.daily_report_email_changed", target: { type: "user", id: admin.id, label: admin.username }, details: { enabled } });
  });
  return { enabled };
}

/** What the e-mail shows of a report: the figures, and the actions most often taken. */
export function dailyReportEmailProps(report: DailyReport, username: string) {
  return {
    username,
    from: report.from,
    until: report.until,
    users: report.users,
    packages: report.packages,
    organizations: report.organizations,
    downloads: report.downloads,
    actions: report.actions.slice(0, 10).map(({ label, count }) => ({ label, count })),
    reportUrl: `${publicUrl()}/admin/daily-report?from=${report.from}&until=${report.until}`,
  };
}

export { shiftDay as shiftReportDay };
