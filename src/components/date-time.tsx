/** Dates render on the server in UTC with an ISO machine-readable value, so server and browser agree. */
const formatter = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export function DateTime({ value }: { value: Date | string | null | undefined }) {
  if (!value) return <span className="text-stone-500">—</span>;
  const date = new Date(value);
  return <time dateTime={date.toISOString()}>{formatter.format(date)} UTC</time>;
}
