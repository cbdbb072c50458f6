"use client";

import { AxisBottom, AxisLeft } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleLinear, scaleUtc } from "@visx/scale";
import { Bar, LinePath } from "@visx/shape";
import { formatBytes } from "@/shared/format-bytes";

export interface DailyPoint {
  day: string;
  value: number;
}

const width = 480;
const height = 200;
const margin = { top: 10, right: 12, bottom: 28, left: 56 };

const dayDate = (day: string) => new Date(`${day}T00:00:00Z`);

/**
 * One series over days, drawn with the same visx pieces as the package pages' downloads chart: a line for a total
 * that moves slowly (users, packages, storage), bars for a count per day (downloads). Days without a point are
 * gaps on the time axis, not zeros. The picture has a name that says its last value; the page carries a table.
 */
export function DailySeriesChart({
  title,
  points,
  kind,
  unit = "count",
  testId,
}: {
  title: string;
  points: DailyPoint[];
  kind: "line" | "bars";
  /** How values read: plain counts, or bytes (KB, MB, ...). */
  unit?: "count" | "bytes";
  testId?: string;
}) {
  const format = unit === "bytes" ? formatBytes : (value: number) => value.toLocaleString("en");
  const innerWidth = width - margin.left - margin.right;
  const innerHeight = height - margin.top - margin.bottom;
  const first = points[0];
  const last = points.at(-1);
  const start = first ? dayDate(first.day) : new Date();
  const end = last ? dayDate(last.day) : new Date();
  // One day either side, so a single snapshot and the end bars stay inside the axis.
  const x = scaleUtc({ domain: [new Date(start.getTime() - 86_400_000), new Date(end.getTime() + 86_400_000)], range: [0, innerWidth] });
  const y = scaleLinear({ domain: [0, Math.max(4, ...points.map((point) => point.value))], range: [innerHeight, 0], nice: true });
  const dayWidth = Math.max(1, Math.min(16, (x(dayDate("2000-01-02")) - x(dayDate("2000-01-01"))) * 0.7));
  const summary = last
    ? `${title}: ${format(last.value)} on ${last.day}${first && first !== last ? `, ${format(first.value)} on ${first.day}` : ""}.`
    : `${title}: no snapshots in this period.`;
  return (
    <figure className="card space-y-2" data-testid={testId}>
      <figcaption className="flex flex-wrap items-baseline justify-between gap-2">
        <span className="font-semibold">{title}</span>
        <span className="text-sm text-stone-700 tabular-nums" data-testid={testId ? `${testId}-latest` : undefined}>
          {last ? format(last.value) : "—"}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full" role="img" aria-label={`${summary} The table below the charts has every figure.`}>
        <Group left={margin.left} top={margin.top}>
          {kind === "bars" ? (
            points.map((point) => (
              <Bar
                key={point.day}
                x={x(dayDate(point.day)) - dayWidth / 2}
                y={y(point.value)}
                width={dayWidth}
                height={innerHeight - y(point.value)}
                className="fill-brand-700"
              >
                <title>{`${point.day}: ${format(point.value)}`}</title>
              </Bar>
            ))
          ) : (
            <>
              <LinePath data={points} x={(point) => x(dayDate(point.day))} y={(point) => y(point.value)} className="stroke-brand-700" strokeWidth={2} fill="none" />
              {points.length <= 60
                ? points.map((point) => (
                    <circle key={point.day} cx={x(dayDate(point.day))} cy={y(point.value)} r={2.5} className="fill-brand-700">
                      <title>{`${point.day}: ${format(point.value)}`}</title>
                    </circle>
                  ))
                : null}
            </>
          )}
          <AxisLeft scale={y} numTicks={4} tickFormat={(value) => format(Number(value))} stroke="#78716c" tickStroke="#78716c" tickLabelProps={{ fill: "#44403c", fontSize: 11 }} />
          <AxisBottom
            top={innerHeight}
            scale={x}
            numTicks={5}
            tickFormat={(value) => (value instanceof Date ? value.toISOString().slice(5, 10) : String(value))}
            stroke="#78716c"
            tickStroke="#78716c"
            tickLabelProps={{ fill: "#44403c", fontSize: 11 }}
          />
        </Group>
      </svg>
    </figure>
  );
}
