"use client";

import { AxisBottom, AxisLeft } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";

export interface ReportDay {
  day: string;
  newUsers: number;
  newPackages: number;
  downloads: number;
}

const measures = [
  { key: "newUsers", label: "New users", className: "fill-brand-700" },
  { key: "newPackages", label: "New packages", className: "fill-amber-700" },
  { key: "downloads", label: "Downloads", className: "fill-stone-700" },
] as const;

const width = 720;
const height = 160;
const margin = { top: 10, right: 10, bottom: 28, left: 48 };

/**
 * The report's range day by day: one small bar chart per measure (their scales differ by orders of magnitude), the
 * same visx bars as the package pages' downloads chart; the page's table has the same figures.
 */
export function ReportChart({ series }: { series: ReportDay[] }) {
  const x = scaleBand({ domain: series.map((entry) => entry.day), range: [0, width - margin.left - margin.right], padding: 0.15 });
  const tickEvery = Math.max(1, Math.ceil(series.length / 6));
  return (
    <div className="grid gap-4" data-testid="report-chart">
      {measures.map((measure) => {
        const values = series.map((entry) => entry[measure.key]);
        const total = values.reduce((sum, value) => sum + value, 0);
        const y = scaleLinear({ domain: [0, Math.max(4, ...values)], range: [height - margin.top - margin.bottom, 0], nice: true });
        return (
          <figure key={measure.key} className="space-y-1">
            <figcaption className="text-sm font-medium">
              {measure.label} per day ({total} in the range)
            </figcaption>
            <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full" role="img" aria-label={`${measure.label} per day: ${total} in total. The table below has the same figures.`}>
              <Group left={margin.left} top={margin.top}>
                {series.map((entry) => (
                  <Bar key={entry.day} x={x(entry.day)} y={y(entry[measure.key])} width={x.bandwidth()} height={y(0) - y(entry[measure.key])} className={measure.className}>
                    <title>{`${entry.day}: ${entry[measure.key]}`}</title>
                  </Bar>
                ))}
                <AxisLeft scale={y} numTicks={3} tickFormat={(value) => String(value)} stroke="#78716c" tickStroke="#78716c" tickLabelProps={{ fill: "#44403c", fontSize: 11 }} />
                <AxisBottom
                  top={height - margin.top - margin.bottom}
                  scale={x}
                  tickValues={series.filter((_, index) => index % tickEvery === 0).map((entry) => entry.day)}
                  tickFormat={(day) => day.slice(5)}
                  stroke="#78716c"
                  tickStroke="#78716c"
                  tickLabelProps={{ fill: "#44403c", fontSize: 11 }}
                />
              </Group>
            </svg>
          </figure>
        );
      })}
    </div>
  );
}
