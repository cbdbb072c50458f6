import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { requirePagePermission } from "@/server/auth/guards";
import { parseUtcDateTime, systemLogCategoryLabels, systemLogCategoryNames, type SystemLogCategoryName } from "@/shared/schemas/logs";
import { getServerApi } from "@/trpc/server";
import { firstValue, hrefWith, KeysetPages, LogFilterForm, LogTabs, refusedFilter, type SearchParams } from "../log-filters";

export const metadata: Metadata = { title: "System logs" };

const levelTones: Record<string, string> = {
  debug: "bg-stone-100 text-stone-800",
  info: "bg-blue-100 text-blue-900",
  warn: "bg-amber-100 text-amber-900",
  error: "bg-red-100 text-red-900",
};

const timeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

/** Seed 003's System logs: six tabs of structured records, searchable by text and time (UTC). */
export default async function SystemLogsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePagePermission("admin:logs:read", "/admin/system-logs");
  const search = await searchParams;
  const category = (systemLogCategoryNames.find((name) => name === firstValue(search.category)) ?? "startup_info") as SystemLogCategoryName;
  const query = firstValue(search.query).trim();
  const from = firstValue(search.from, 19);
  const to = firstValue(search.to, 19);
  const cursor = firstValue(search.cursor);
  const result = await (await getServerApi()).logs
    .system({ category, query: query || undefined, from: parseUtcDateTime(from), to: parseUtcDateTime(to), cursor: cursor || undefined, limit: 50 })
    .then((answer) => ({ ...answer, error: null }))
    .catch((failure: unknown) => ({ items: [], nextCursor: null, error: refusedFilter(failure) }));
  const filters = { category, query, from, to };
  return (
    <div className="space-y-4">
      <div>
        <h1>System logs</h1>
        <p className="text-sm text-stone-600">What Granary itself reported, newest first. Records are also written to the server&apos;s output as JSON lines.</p>
      </div>
      <LogTabs
        label="System logs"
        basePath="/admin/system-logs"
        parameter="category"
        tabs={systemLogCategoryNames.map((name) => ({ name, label: systemLogCategoryLabels[name] }))}
        current={category}
        keep={{ query, from, to }}
      />
      <LogFilterForm hidden={{ category }} from={from} to={to} error={result.error}>
        <div>
          <label htmlFor="log-query" className="label">
            Text
          </label>
          <input id="log-query" name="query" type="search" defaultValue={query} maxLength={200} className="input" placeholder="Message, context or request id" />
        </div>
      </LogFilterForm>
      {result.items.length === 0 ? (
        <EmptyState title={query || from || to ? "No records match" : `Nothing logged under ${systemLogCategoryLabels[category].toLowerCase()}`} />
      ) : (
        <ol className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white" aria-label={`${systemLogCategoryLabels[category]} records`}>
          {result.items.map((record) => (
            <li key={record.id} data-testid="log-record" className="space-y-1 px-4 py-3">
              <p className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-xs text-stone-600">
                <time dateTime={record.loggedAt.toISOString()}>{timeFormat.format(record.loggedAt)} UTC</time>
                <span className={`rounded px-1.5 py-0.5 font-semibold uppercase ${levelTones[record.level] ?? ""}`}>{record.level}</span>
                {record.requestId ? <span className="break-all">request {record.requestId}</span> : null}
              </p>
              <p className="text-sm break-words">{record.message}</p>
              {record.context ? (
                <details>
                  <summary className="cursor-pointer text-xs text-stone-700">Context</summary>
                  <pre className="mt-1 overflow-x-auto rounded-md bg-stone-50 p-2 text-xs break-words whitespace-pre-wrap">{JSON.stringify(record.context, null, 2)}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <KeysetPages
        isFirst={!cursor}
        firstHref={hrefWith("/admin/system-logs", filters)}
        nextHref={result.nextCursor ? hrefWith("/admin/system-logs", { ...filters, cursor: result.nextCursor }) : null}
      />
    </div>
  );
}
