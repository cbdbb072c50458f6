import { z } from "zod";

export const dailyReportPresets = ["today", "yesterday", "this_week", "this_month"] as const;
export type DailyReportPreset = (typeof dailyReportPresets)[number];
export const dailyReportPresetLabels: Record<DailyReportPreset, string> = {
  today: "Today",
  yesterday: "Yesterday",
  this_week: "This Week",
  this_month: "This Month",
};

/** The longest custom range: a year, leap day included. */
export const maxReportDays = 366;

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDay(value: string): boolean {
  if (!dayPattern.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

const reportDaySchema = z
  .string({ error: "Give a date." })
  .trim()
  .min(1, "Give a date.")
  .refine(isCalendarDay, "Give a date as YYYY-MM-DD (a day that exists).");

/** Days between two YYYY-MM-DD days, both counted. */
export function daysInRange(from: string, until: string): number {
  return Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export function utcToday(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export const customReportRangeSchema = z
  .object({ from: reportDaySchema, until: reportDaySchema })
  .superRefine((range, context) => {
    if (!isCalendarDay(range.from) || !isCalendarDay(range.until)) return;
    if (range.until < range.from) {
      context.addIssue({ code: "custom", path: ["until"], message: "Until must be the same day as From or later." });
    } else if (daysInRange(range.from, range.until) > maxReportDays) {
      context.addIssue({ code: "custom", path: ["until"], message: `A report covers at most ${maxReportDays} days.` });
    } else if (range.from > utcToday()) {
      context.addIssue({ code: "custom", path: ["from"], message: "From cannot be after today (UTC)." });
    }
  });

export const dailyReportRangeSchema = z.union([z.object({ preset: z.enum(dailyReportPresets) }), customReportRangeSchema]);
export type DailyReportRangeInput = z.input<typeof dailyReportRangeSchema>;

export const dailyReportEmailSchema = z.object({ enabled: z.boolean() });
