import { customReportRangeSchema, dailyReportPresets, type DailyReportPreset, type DailyReportRangeInput } from "@/shared/schemas/daily-report";

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string {
  return ((Array.isArray(value) ? value[0] : value) ?? "").slice(0, 40);
}

/** The range a Daily Report address asks for (`?range=this_week`, or `?from=...&until=...`), or the fields' errors. */
export function rangeFromSearch(search: SearchParams):
  | { ok: true; range: DailyReportRangeInput; from: string; until: string }
  | { ok: false; from: string; until: string; errors: Partial<Record<"from" | "until", string>> } {
  const from = first(search.from);
  const until = first(search.until);
  if (from === "" && until === "") {
    const preset = first(search.range);
    const chosen: DailyReportPreset = (dailyReportPresets as readonly string[]).includes(preset) ? (preset as DailyReportPreset) : "today";
    return { ok: true, range: { preset: chosen }, from, until };
  }
  const parsed = customReportRangeSchema.safeParse({ from, until });
  if (parsed.success) return { ok: true, range: parsed.data, from, until };
  const errors: Partial<Record<"from" | "until", string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0];
    if ((field === "from" || field === "until") && !errors[field]) errors[field] = issue.message;
  }
  return { ok: false, from, until, errors };
}
