/**
 * One limit of a plan: the usage as text ("3 of 10") and, when there is a limit, as a meter beside it; the meter
 * turns amber past four fifths and red when full, the browser's own colours for a high value.
 */
export function UsageMeter({
  id,
  label,
  used,
  limit,
  format = String,
}: {
  /** Unique on the page: it ties the label to the meter, and names the test ids. */
  id: string;
  label: string;
  used: number;
  limit: number | null;
  format?: (value: number) => string;
}) {
  const text = limit === null ? `${format(used)} used, no limit` : `${format(used)} of ${format(limit)}`;
  return (
    <div className="space-y-1" data-testid={id}>
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        {limit === null ? (
          <span className="font-medium text-stone-800">{label}</span>
        ) : (
          <label htmlFor={id} className="font-medium text-stone-800">
            {label}
          </label>
        )}
        <span data-testid={`${id}-text`} className="text-stone-700">
          {text}
        </span>
      </div>
      {limit === null ? null : (
        <meter
          id={id}
          min={0}
          max={Math.max(limit, 1)}
          low={Math.max(limit, 1) * 0.8}
          high={Math.max(limit, 1) * 0.99}
          optimum={0}
          value={Math.min(used, Math.max(limit, 1))}
          aria-valuetext={text}
          className="block h-3 w-full"
        >
          {text}
        </meter>
      )}
    </div>
  );
}
