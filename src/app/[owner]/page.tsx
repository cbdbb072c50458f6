import type { Metadata } from "next";
import { cache } from "react";
import type { PackageKind, PackageSort } from "@/shared/schemas/packages";
import { routeParam } from "@/components/route-param";
import Link from "next/link";
import { KindTabs, parseKind } from "@/components/kind-tabs";
import { OwnerAvatar } from "@/components/owner-avatar";
import { PackageList } from "@/components/package-list";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { searchTermFrom } from "@/components/search-term";
import { SortSelect, parseSort } from "@/components/sort-select";
import { organizationDashboardHref } from "@/shared/navigation";
import { standingLabels } from "@/shared/organization-labels";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";

const numberFormat = new Intl.NumberFormat("en-GB");
const joinedFormat = new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });

type Props = { params: Promise<{ owner: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

/** The owner's page of packages, read once per request for the title and the page (an unknown owner's title is the 404 page's). */
const loadOwnerPage = cache(async (owner: string, kind: PackageKind, query: string, sort: PackageSort, page: number) =>
  (await getServerApi()).packages.listByOwner({ owner, kind, query, sort, page, pageSize: 25 }).catch(notFoundWhenMissing),
);

async function ownerPageFor({ params, searchParams }: Props) {
  const owner = routeParam((await params).owner);
  const search = await searchParams;
  const kind = parseKind(search.kind);
  const query = searchTermFrom(search.q, 200);
  const sort = parseSort(search.sort, query ? "relevance" : "updated");
  const result = await loadOwnerPage(owner, kind, query, sort, pageFromSearch(search.page));
  return { search, kind, query, sort, result };
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { result } = await ownerPageFor(props);
  return { title: result.owner.username };
}

/** A person's or an organization's profile: what it publishes (that the visitor may see), for members an organization's members, and a person's organizations that the visitor may see. */
export default async function OwnerPage(props: Props) {
  const { search, kind, query, sort, result } = await ownerPageFor(props);
  const api = await getServerApi();
  const organization = result.owner.kind === "organization" ? await api.organizations.get({ organization: result.owner.username }) : null;
  // A person's organizations, as far as the visitor may see those organizations' members (the policy decides).
  const memberships = result.owner.kind === "user" ? (await api.profiles.memberships({ username: result.owner.username })).organizations : [];
  const sidebar = Boolean(organization?.members) || memberships.length > 0;
  const base = `/${encodeURIComponent(result.owner.username)}`;
  const kept = { ...(query ? { q: query } : {}), ...(search.sort && sort !== (query ? "relevance" : "updated") ? { sort } : {}) };
  const listPath = (withKind: boolean) => {
    const params = new URLSearchParams({ ...kept, ...(withKind && kind !== "all" ? { kind } : {}) });
    return params.size ? `${base}?${params}` : base;
  };
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-4">
        <OwnerAvatar name={result.owner.username} kind={result.owner.kind} />
        <div className="min-w-48 flex-1">
          <h1 className="break-words">{result.owner.username}</h1>
          {result.owner.name ? <p className="text-stone-600">{result.owner.name}</p> : null}
          <dl className="mt-1 flex flex-wrap gap-x-5 gap-y-1 text-sm text-stone-700" data-testid="owner-facts">
            <div>
              <dt className="inline text-stone-600">Joined </dt>
              <dd className="inline">{joinedFormat.format(new Date(result.owner.createdAt))}</dd>
            </div>
            <div>
              <dt className="inline text-stone-600">Packages </dt>
              <dd className="inline">{numberFormat.format(result.totals.packages)}</dd>
            </div>
            <div>
              <dt className="inline text-stone-600">Downloads </dt>
              <dd className="inline" data-testid="owner-downloads">
                {numberFormat.format(result.totals.downloads)}
              </dd>
            </div>
          </dl>
          {organization ? (
            <p className="mt-1 flex flex-wrap items-center gap-2 text-sm">
              <span className="rounded bg-stone-200 px-1.5 py-0.5 text-xs font-semibold text-stone-800" data-testid="owner-kind">
                Organization
              </span>
              {organization.standing ? <span className="text-stone-600">You are {standingLabels[organization.standing].toLowerCase()}.</span> : null}
            </p>
          ) : null}
        </div>
        {organization?.standing ? (
          <div className="flex flex-wrap gap-2">
            <Link href={organizationDashboardHref(result.owner.username)} className="button-secondary">
              Dashboard
            </Link>
            {organization.standing !== "member" ? (
              <Link href={`${base}/settings`} className="button-secondary">
                Settings
              </Link>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className={sidebar ? "grid gap-6 lg:grid-cols-[1fr_16rem]" : ""}>
        <section aria-labelledby="packages-heading" className="min-w-0 space-y-4">
          <h2 id="packages-heading">Packages</h2>
          <form role="search" action={base} className="flex flex-wrap items-end gap-2" aria-label={`Search the packages of ${result.owner.username}`}>
            <div className="min-w-0 flex-1 sm:max-w-sm">
              <label htmlFor="owner-search" className="label">
                Find a package of {result.owner.username}
              </label>
              <input id="owner-search" name="q" defaultValue={query} className="input" placeholder="Name or summary" />
            </div>
            {kind !== "all" ? <input type="hidden" name="kind" value={kind} /> : null}
            <SortSelect id="owner-sort" current={sort} />
            <button type="submit" className="button-secondary">
              Search
            </button>
          </form>
          <KindTabs basePath={base} current={kind} query={kept} />
          <PackageList
            packages={result.items}
            highlight={query.split(/\s+/).filter(Boolean)}
            emptyTitle={query ? "No package here matches" : "Nothing published here yet"}
          />
          <Pagination basePath={listPath(true)} page={result.page} pageSize={result.pageSize} total={result.total} />
        </section>
        {organization?.members ? (
          <section aria-labelledby="members-heading" className="space-y-3">
            <h2 id="members-heading">Members</h2>
            <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white text-sm" data-testid="member-list">
              {organization.members.map((member) => (
                <li key={member.username} className="flex items-center justify-between gap-2 px-3 py-2">
                  <Link href={`/${encodeURIComponent(member.username)}`} className="truncate">
                    {member.username}
                  </Link>
                  <span className="shrink-0 text-xs text-stone-600">{member.role === "owner" ? "Owner" : "Member"}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {memberships.length > 0 ? (
          <section aria-labelledby="organizations-heading" className="space-y-3">
            <h2 id="organizations-heading">Organizations</h2>
            <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white text-sm" data-testid="profile-organizations">
              {memberships.map((membership) => (
                <li key={membership.username} className="flex items-center justify-between gap-2 px-3 py-2">
                  <Link href={`/${encodeURIComponent(membership.username)}`} className="truncate">
                    {membership.username}
                  </Link>
                  <span className="shrink-0 text-xs text-stone-600">{membership.role === "owner" ? "Owner" : "Member"}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
    </div>
  );
}
