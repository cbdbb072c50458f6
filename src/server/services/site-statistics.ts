/**
 * Admin → Stats: the daily snapshots of the site's size (site_statistics, written by the statistics-snapshot
 * periodic task) over a chosen period, and when the next one is taken.
 */
import cronParser from "cron-parser";
import { asc, gte } from "drizzle-orm";
import { statisticsPeriodSchema, type StatisticsPeriod } from "@/shared/schemas/site-general";
import type { z } from "zod";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { siteStatistics } from "../db/schema";
import { statisticsSnapshotJob } from "../jobs/definitions/statistics-snapshot";

const periodDays: Record<StatisticsPeriod, number | null> = { "30d": 30, "90d": 90, "1y": 365, all: null };

export interface StatisticsDay {
  day: string;
  users: number;
  organizations: number;
  packages: number;
  files: number;
  bytesStored: number;
  downloadsOnDay: number;
  downloads: number;
}

export interface SiteStatistics {
  period: StatisticsPeriod;
  /** The first day of the period (UTC), or null for all snapshots. */
  since: string | null;
  days: StatisticsDay[];
  snapshotTask: { name: string; nextRunAt: Date };
}

function daysBefore(now: Date, days: number): string {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  start.setUTCDate(start.getUTCDate() - (days - 1));
  return start.toISOString().slice(0, 10);
}

export async function getSiteStatistics(db: Db, actor: Actor, rawInput: z.input<typeof statisticsPeriodSchema>, now = new Date()): Promise<SiteStatistics> {
  assertCan(actor, "admin:users:read");
  const { period } = statisticsPeriodSchema.parse(rawInput);
  const length = periodDays[period];
  const since = length === null ? null : daysBefore(now, length);
  const rows = await db
    .select({
      day: siteStatistics.day,
      users: siteStatistics.users,
      organizations: siteStatistics.organizations,
      packages: siteStatistics.packages,
      files: siteStatistics.files,
      bytesStored: siteStatistics.bytesStored,
      downloadsOnDay: siteStatistics.downloadsOnDay,
      downloads: siteStatistics.downloads,
    })
    .from(siteStatistics)
    .where(since === null ? undefined : gte(siteStatistics.day, since))
    .orderBy(asc(siteStatistics.day));
  const cron = statisticsSnapshotJob.schedule!.cron;
  return {
    period,
    since,
    days: rows,
    snapshotTask: { name: statisticsSnapshotJob.id, nextRunAt: cronParser.parseExpression(cron, { tz: "UTC", currentDate: now }).next().toDate() },
  };
}
