import type { Metadata } from "next";
import { KindTabs, parseKind } from "@/components/kind-tabs";
import { PackageList } from "@/components/package-list";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { searchTermFrom } from "@/components/search-term";
import { SortSelect, parseSort } from "@/components/sort-select";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Search" };

/** A filter value from the URL: one short, plain word, else none (the filters offer only such values). */
function filterFrom(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text && /^[A-Za-z0-9._-]{1,100}$/.test(text) ? text : undefined;
}

export default async function SearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const query = searchTermFrom(search.q, 200);
  const kind = parseKind(search.kind);
  const sort = parseSort(search.sort, "relevance");
  const api = await getServerApi();
  const facets = await api.packages.facets();
  const requestedPlatform = filterFrom(search.platform);
  const requestedLabel = filterFrom(search.label);
  // Only what the filters offer is applied: a value none of the visible packages has would just empty the page.
  const platform = facets.platforms.some((entry) => entry.value === requestedPlatform) ? requestedPlatform : undefined;
  const label = facets.labels.some((entry) => entry.value === requestedLabel) ? requestedLabel : undefined;
  const results = await api.packages.search({ query, kind, platform, label, sort, page: pageFromSearch(search.page), pageSize: 25 });
  const kept = {
    ...(query ? { q: query } : {}),
    ...(platform ? { platform } : {}),
    ...(label ? { label } : {}),
    ...(sort === "relevance" ? {} : { sort }),
  };
  const basePath = `/search?${new URLSearchParams({ ...kept, ...(kind === "all" ? {} : { kind }) })}`;
  const terms = query.split(/\s+/).filter(Boolean);
  return (
    <div className="space-y-4">
      <h1>Search packages</h1>
      <form role="search" action="/search" className="space-y-3" data-testid="search-form">
        <div className="flex max-w-xl gap-2">
          <label htmlFor="search-query" className="sr-only">
            Search by name or summary
          </label>
          <input id="search-query" name="q" defaultValue={query} className="input" placeholder="Package name or summary" />
          <button type="submit" className="button">
            Search
          </button>
        </div>
        {kind !== "all" ? <input type="hidden" name="kind" value={kind} /> : null}
        <div className="flex flex-wrap items-end gap-3">
          <div>
            <label htmlFor="search-platform" className="label">
              Platform
            </label>
            <select id="search-platform" name="platform" defaultValue={platform ?? ""} className="input py-1.5">
              <option value="">Any platform</option>
              {facets.platforms.map((entry) => (
                <option key={entry.value} value={entry.value}>
                  {entry.value} ({entry.packages})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="search-label" className="label">
              Label
            </label>
            <select id="search-label" name="label" defaultValue={label ?? ""} className="input py-1.5">
              <option value="">Any label</option>
              {facets.labels.map((entry) => (
                <option key={entry.value} value={entry.value}>
                  {entry.value} ({entry.packages})
                </option>
              ))}
            </select>
          </div>
          <SortSelect id="search-sort" current={sort} />
          <button type="submit" className="button-secondary py-1.5">
            Apply
          </button>
        </div>
      </form>
      <KindTabs basePath="/search" current={kind} query={kept} />
      <p className="text-sm text-stone-600" aria-live="polite" data-testid="result-count">
        {results.total.toLocaleString("en")}
        {results.moreMatches ? "+" : ""} {results.total === 1 && !results.moreMatches ? "package" : "packages"}
        {query ? ` matching “${query}”` : ""}
        {results.moreMatches ? `: the first ${results.total.toLocaleString("en")} are listed, add words to narrow the search.` : ""}
      </p>
      <PackageList packages={results.items} highlight={terms} emptyTitle="No packages found" emptyText="Try other words, another type or fewer filters." />
      <Pagination basePath={basePath} page={results.page} pageSize={results.pageSize} total={results.total} />
    </div>
  );
}
