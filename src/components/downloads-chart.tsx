"use client";

import { AxisBottom, AxisLeft } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";
import { useId, useMemo, useState } from "react";

export interface DownloadRow {
  day: string;
  version: string;
  platform: string;
  count: number;
}

const windows = [30, 90, 365] as const;
type Period = (typeof windows)[number];

const width = 720;
const height = 220;
const margin = { top: 10, right: 10, bottom: 28, left: 44 };

function addDays(day: string, offset: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
}

function totalsBy(rows: DownloadRow[], key: "version" | "platform") {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row[key], (totals.get(row[key]) ?? 0) + row.count);
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], "en", { numeric: true }));
}

/**
 * A package's downloads per day over the last 30, 90 or 365 days (visx bars on SVG), with the same figures as
 * tables: per day, and per version and per platform over the period, so nothing is only in the picture.
 */
export function DownloadsChart({ since, days, rows }: { since: string; days: number; rows: DownloadRow[] }) {
  const [period, setPeriod] = useState<Period>(30);
  const pickerName = useId();
  const today = addDays(since, days - 1);
  const start = addDays(today, -(period - 1));
  const inWindow = useMemo(() => rows.filter((row) => row.day >= start), [rows, start]);
  const daily = useMemo(() => {
    const counts = new Map<string, number>();
    for (const row of inWindow) counts.set(row.day, (counts.get(row.day) ?? 0) + row.count);
    return Array.from({ length: period }, (_, index) => {
      const day = addDays(start, index);
      return { day, count: counts.get(day) ?? 0 };
    });
  }, [inWindow, start, period]);
  const total = daily.reduce((sum, entry) => sum + entry.count, 0);
  const x = scaleBand({ domain: daily.map((entry) => entry.day), range: [0, width - margin.left - margin.right], padding: 0.15 });
  const y = scaleLinear({ domain: [0, Math.max(4, ...daily.map((entry) => entry.count))], range: [height - margin.top - margin.bottom, 0], nice: true });
  const tickEvery = Math.ceil(period / 6);

  return (
    <div className="space-y-3" data-testid="downloads-chart">
      <fieldset className="flex flex-wrap items-center gap-2 text-sm">
        <legend className="sr-only">Period</legend>
        {windows.map((option) => (
          <label key={option} className="inline-flex cursor-pointer items-center gap-1 rounded-md border border-stone-300 px-2 py-1 has-checked:border-brand-700 has-checked:bg-brand-50">
            <input type="radio" name={pickerName} value={option} checked={period === option} onChange={() => setPeriod(option)} />
            Last {option} days
          </label>
        ))}
      </fieldset>
      <p className="text-sm text-stone-700" data-testid="downloads-total">
        {total} download{total === 1 ? "" : "s"} in the last {period} days (today&apos;s included).
      </p>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full" role="img" aria-label={`Downloads per day over the last ${period} days: ${total} in total. The table below has the same figures.`}>
        <Group left={margin.left} top={margin.top}>
          {daily.map((entry) => {
            const barHeight = y(0) - y(entry.count);
            return (
              <Bar key={entry.day} x={x(entry.day)} y={y(entry.count)} width={x.bandwidth()} height={barHeight} className="fill-brand-700">
                <title>{`${entry.day}: ${entry.count}`}</title>
              </Bar>
            );
          })}
          <AxisLeft scale={y} numTicks={4} tickFormat={(value) => String(value)} stroke="#78716c" tickStroke="#78716c" tickLabelProps={{ fill: "#44403c", fontSize: 11 }} />
          <AxisBottom
            top={height - margin.top - margin.bottom}
            scale={x}
            tickValues={daily.filter((_, index) => index % tickEvery === 0).map((entry) => entry.day)}
            tickFormat={(day) => day.slice(5)}
            stroke="#78716c"
            tickStroke="#78716c"
            tickLabelProps={{ fill: "#44403c", fontSize: 11 }}
          />
        </Group>
      </svg>
      <details className="text-sm">
        <summary className="cursor-pointer font-medium">Show the figures as tables</summary>
        <div className="mt-3 grid gap-4 sm:grid-cols-3">
          <FigureTable caption="Per day" heading="Day" rows={daily.filter((entry) => entry.count > 0).map((entry) => [entry.day, entry.count])} />
          <FigureTable caption="Per version" heading="Version" rows={totalsBy(inWindow, "version")} />
          <FigureTable caption="Per platform" heading="Platform" rows={totalsBy(inWindow, "platform")} />
        </div>
      </details>
    </div>
  );
}

function FigureTable({ caption, heading, rows }: { caption: string; heading: string; rows: [string, number][] }) {
  return (
    <div className="max-h-72 overflow-auto rounded-md border border-stone-200" tabIndex={0} role="region" aria-label={`Downloads ${caption.toLowerCase()}`}>
      <table className="data-table">
        <caption className="px-3 py-2 text-left font-semibold">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{heading}</th>
            <th scope="col" className="text-right">
              Downloads
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={2} className="text-stone-600">
                None yet.
              </td>
            </tr>
          ) : (
            rows.map(([name, value]) => (
              <tr key={name}>
                <td className="break-all">{name}</td>
                <td className="text-right tabular-nums">{value}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
