import type { Metadata } from "next";
import { KindTabs, parseKind } from "@/components/kind-tabs";
import { PackageList } from "@/components/package-list";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { searchTermFrom } from "@/components/search-term";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Search" };

export default async function SearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const query = searchTermFrom(search.q, 200);
  const kind = parseKind(search.kind);
  const results = await (await getServerApi()).packages.search({ query, kind, page: pageFromSearch(search.page), pageSize: 25 });
  const basePath = `/search?${new URLSearchParams({ q: query, ...(kind === "all" ? {} : { kind }) })}`;
  return (
    <div className="space-y-4">
      <h1>Search packages</h1>
      <form role="search" action="/search" className="flex max-w-xl gap-2">
        <label htmlFor="search-query" className="sr-only">
          Search by name or summary
        </label>
        <input id="search-query" name="q" defaultValue={query} className="input" placeholder="Package name or summary" />
        {kind !== "all" ? <input type="hidden" name="kind" value={kind} /> : null}
        <button type="submit" className="button">
          Search
        </button>
      </form>
      <KindTabs basePath="/search" current={kind} query={query ? { q: query } : {}} />
      <p className="text-sm text-stone-600" aria-live="polite">
        {results.total} {results.total === 1 ? "package" : "packages"}
        {query ? ` matching “${query}”` : ""}
      </p>
      <PackageList packages={results.items} emptyTitle="No packages found" emptyText="Try other words, or another type." />
      <Pagination basePath={basePath} page={results.page} pageSize={results.pageSize} total={results.total} />
    </div>
  );
}
