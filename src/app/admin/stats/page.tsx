import type { Metadata } from "next";
import Link from "next/link";
import { DailySeriesChart, type DailyPoint } from "@/components/daily-series-chart";
import { DateTime } from "@/components/date-time";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { can } from "@/server/authz";
import { formatBytes } from "@/shared/format-bytes";
import { statisticsPeriods, type StatisticsPeriod } from "@/shared/schemas/site-general";
import { getServerApi } from "@/trpc/server";
import { TakeSnapshotButton } from "./take-snapshot-button";

export const metadata: Metadata = { title: "Stats" };

const periodLabels: Record<StatisticsPeriod, string> = { "30d": "30 days", "90d": "90 days", "1y": "A year", all: "All" };

type Day = { day: string; users: number; organizations: number; packages: number; files: number; bytesStored: number; downloadsOnDay: number };

const series: { key: keyof Omit<Day, "day">; title: string; kind: "line" | "bars"; unit?: "bytes" }[] = [
  { key: "users", title: "Users", kind: "line" },
  { key: "organizations", title: "Organizations", kind: "line" },
  { key: "packages", title: "Packages", kind: "line" },
  { key: "files", title: "Files", kind: "line" },
  { key: "bytesStored", title: "Storage", kind: "line", unit: "bytes" },
  { key: "downloadsOnDay", title: "Downloads per day", kind: "bars" },
];

function periodOf(value: string | string[] | undefined): StatisticsPeriod {
  return statisticsPeriods.find((period) => period === value) ?? "30d";
}

export default async function AdminStatsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePagePermission("admin:users:read", "/admin/stats");
  const period = periodOf((await searchParams).period);
  const statistics = await (await getServerApi()).siteAdmin.statistics({ period });
  const { days, snapshotTask } = statistics;
  const canTakeSnapshot = can(actor, "admin:jobs:update");
  return (
    <div className="space-y-6">
      <div>
        <h1>Stats</h1>
        <p className="text-sm text-stone-600">
          The site&apos;s size from its daily snapshot (the <code>{snapshotTask.name}</code> periodic task). The next snapshot is taken at{" "}
          <DateTime value={snapshotTask.nextRunAt} />.
        </p>
      </div>
      <nav aria-label="Period" className="flex flex-wrap gap-2 text-sm">
        {statisticsPeriods.map((option) => (
          <Link
            key={option}
            href={option === "30d" ? "/admin/stats" : `/admin/stats?period=${option}`}
            aria-current={option === period ? "page" : undefined}
            className={`rounded-md border px-3 py-1 no-underline ${option === period ? "border-brand-700 bg-brand-50 font-medium" : "border-stone-300"}`}
          >
            {periodLabels[option]}
          </Link>
        ))}
      </nav>
      {canTakeSnapshot ? (
        // Before the charts, in the same place whether or not there are snapshots yet, so what it says survives the
        // refresh that shows the new snapshot.
        <div className="space-y-1">
          <TakeSnapshotButton task={snapshotTask.name} />
          <p className="text-sm text-stone-600">A snapshot taken now replaces today&apos;s.</p>
        </div>
      ) : null}
      {days.length === 0 ? (
        <section className="card space-y-3" data-testid="stats-empty" aria-labelledby="stats-empty-heading">
          <h2 id="stats-empty-heading">No snapshots yet</h2>
          <p className="text-sm text-stone-700">
            {period === "all" ? "No snapshot has been taken yet." : `No snapshot was taken in the last ${periodLabels[period].toLowerCase()}.`} The next one is
            taken at <DateTime value={snapshotTask.nextRunAt} />.
          </p>
        </section>
      ) : (
        <>
          <div className="grid gap-4 lg:grid-cols-2" data-testid="stats-charts">
            {series.map((entry) => (
              <DailySeriesChart
                key={entry.key}
                title={entry.title}
                kind={entry.kind}
                unit={entry.unit}
                testId={`stats-${entry.key}`}
                points={days.map((day): DailyPoint => ({ day: day.day, value: day[entry.key] }))}
              />
            ))}
          </div>
          <details className="text-sm">
            <summary className="cursor-pointer font-medium">Show the figures as a table</summary>
            <div className="mt-3">
              <TableContainer label="Daily snapshots">
                <table className="data-table" data-testid="stats-table">
                  <caption className="px-3 py-2 text-left font-semibold">Daily snapshots, {periodLabels[period].toLowerCase()}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Day</th>
                      {series.map((entry) => (
                        <th key={entry.key} scope="col" className="text-right">
                          {entry.title}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {days.map((day) => (
                      <tr key={day.day}>
                        <th scope="row" className="font-normal whitespace-nowrap">
                          {day.day}
                        </th>
                        {series.map((entry) => (
                          <td key={entry.key} className="text-right tabular-nums">
                            {entry.unit === "bytes" ? formatBytes(day[entry.key]) : day[entry.key].toLocaleString("en")}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableContainer>
            </div>
          </details>
        </>
      )}
    </div>
  );
}
