import type { Metadata } from "next";
import { routeParam } from "@/components/route-param";
import { KindTabs, parseKind } from "@/components/kind-tabs";
import { PackageList } from "@/components/package-list";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";

type Props = { params: Promise<{ owner: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: routeParam((await params).owner) };
}

export default async function OwnerPage({ params, searchParams }: Props) {
  const owner = routeParam((await params).owner);
  const search = await searchParams;
  const kind = parseKind(search.kind);
  const api = await getServerApi();
  const result = await api.packages.listByOwner({ owner, kind, page: pageFromSearch(search.page), pageSize: 25 }).catch(notFoundWhenMissing);
  return (
    <div className="space-y-4">
      <div>
        <h1>{result.owner.username}</h1>
        {result.owner.name ? <p className="text-stone-600">{result.owner.name}</p> : null}
      </div>
      <KindTabs basePath={`/${result.owner.username}`} current={kind} />
      <PackageList packages={result.items} emptyTitle="Nothing published here yet" />
      <Pagination
        basePath={`/${result.owner.username}${kind === "all" ? "" : `?kind=${kind}`}`}
        page={result.page}
        pageSize={result.pageSize}
        total={result.total}
      />
    </div>
  );
}
