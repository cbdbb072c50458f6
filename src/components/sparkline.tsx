import { scaleLinear } from "@visx/scale";
import { LinePath } from "@visx/shape";

/**
 * A small trend line of daily downloads (oldest first, today last) for lists, drawn as SVG on the server with
 * visx. Its label says what it shows, so a screen reader hears the figure rather than a picture.
 */
export function Sparkline({ values, width = 96, height = 24, label }: { values: number[]; width?: number; height?: number; label?: string }) {
  const total = values.reduce((sum, value) => sum + value, 0);
  const description = label ?? `${total} download${total === 1 ? "" : "s"} in the last ${values.length} days`;
  const x = scaleLinear({ domain: [0, Math.max(1, values.length - 1)], range: [1, width - 1] });
  const y = scaleLinear({ domain: [0, Math.max(1, ...values)], range: [height - 2, 2] });
  return (
    <svg role="img" aria-label={description} width={width} height={height} viewBox={`0 0 ${width} ${height}`} className="shrink-0 text-brand-700" data-testid="sparkline">
      <title>{description}</title>
      <LinePath data={values} x={(_value, index) => x(index)} y={(value) => y(value)} stroke="currentColor" strokeWidth={1.5} fill="none" />
    </svg>
  );
}
