import { TRPCError } from "@trpc/server";
import Link from "next/link";
import type { ReactNode } from "react";
import { ZodError } from "zod";

export type SearchParams = Record<string, string | string[] | undefined>;

export function firstValue(value: string | string[] | undefined, max = 200): string {
  return ((Array.isArray(value) ? value[0] : value) ?? "").slice(0, max);
}

/** A page's tabs as links that keep the current filters. */
export function LogTabs<Name extends string>({
  label,
  basePath,
  parameter,
  tabs,
  current,
  keep,
}: {
  label: string;
  basePath: string;
  parameter: string;
  tabs: Array<{ name: Name; label: string }>;
  current: Name;
  keep: Record<string, string>;
}) {
  return (
    <nav aria-label={label} className="flex flex-wrap gap-2 text-sm">
      {tabs.map((tab) => {
        const query = new URLSearchParams({ ...Object.fromEntries(Object.entries(keep).filter(([, value]) => value)), [parameter]: tab.name });
        const active = tab.name === current;
        return (
          <Link
            key={tab.name}
            href={`${basePath}?${query}`}
            aria-current={active ? "page" : undefined}
            className={`rounded-full border px-3 py-1 no-underline ${active ? "border-brand-700 bg-brand-700 text-white" : "border-stone-300 bg-white text-stone-800 hover:bg-stone-100"}`}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}

/** The filter form: a text field of the page's own, a time range (UTC), and the tab kept as a hidden field. */
export function LogFilterForm({
  hidden,
  from,
  to,
  children,
  error,
}: {
  hidden: Record<string, string>;
  from: string;
  to: string;
  children: ReactNode;
  error?: string | null;
}) {
  return (
    <form role="search" className="grid gap-3 rounded-lg border border-stone-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_auto] lg:items-end">
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {children}
      <div>
        <label htmlFor="log-from" className="label">
          From (UTC)
        </label>
        <input id="log-from" name="from" type="datetime-local" defaultValue={from} className="input" />
      </div>
      <div>
        <label htmlFor="log-to" className="label">
          To (UTC)
        </label>
        <input id="log-to" name="to" type="datetime-local" defaultValue={to} className="input" aria-invalid={error ? true : undefined} aria-describedby={error ? "log-range-error" : undefined} />
      </div>
      <button type="submit" className="button">
        Search
      </button>
      {error ? (
        <p id="log-range-error" role="alert" className="field-error sm:col-span-2 lg:col-span-4">
          {error}
        </p>
      ) : null}
    </form>
  );
}

export function KeysetPages({ firstHref, nextHref, isFirst }: { firstHref: string; nextHref: string | null; isFirst: boolean }) {
  return (
    <nav aria-label="Pages" className="flex items-center justify-between text-sm">
      {isFirst ? <span /> : <Link href={firstHref}>← Newest</Link>}
      {nextHref ? <Link href={nextHref}>Older →</Link> : <span />}
    </nav>
  );
}

/** A query string from the filters that are set. */
export function hrefWith(basePath: string, values: Record<string, string>): string {
  const query = new URLSearchParams(Object.fromEntries(Object.entries(values).filter(([, value]) => value)));
  return query.size ? `${basePath}?${query}` : basePath;
}

/** A refused filter (an end before the start, an old cursor) is the form's error, not the page's failure. */
export function refusedFilter(failure: unknown): string {
  if (!(failure instanceof TRPCError) || failure.code !== "BAD_REQUEST") throw failure;
  return failure.cause instanceof ZodError ? (failure.cause.issues[0]?.message ?? "These filters are not valid.") : failure.message;
}
