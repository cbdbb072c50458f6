import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch } from "@/components/pagination";
import { TableContainer } from "@/components/table-container";
import { adminOrganizationSortLabels, adminOrganizationSorts, type AdminOrganizationSort } from "@/shared/schemas/admin-people";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Organizations" };

const numberFormat = new Intl.NumberFormat("en-GB");
const pageSize = 50;

function firstValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.slice(0, 100) ?? "";
}

function sortFrom(value: string): AdminOrganizationSort {
  return adminOrganizationSorts.includes(value as AdminOrganizationSort) ? (value as AdminOrganizationSort) : "name";
}

export default async function AdminOrganizationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const query = firstValue(search.query).trim();
  const sort = sortFrom(firstValue(search.sort));
  const page = pageFromSearch(search.page);
  const result = await (await getServerApi()).adminPeople.listOrganizations({ query: query || undefined, sort, page, pageSize });
  const pages = Math.max(1, Math.ceil(result.total / pageSize));
  const pageLink = (target: number) => {
    const params = new URLSearchParams({ ...(query ? { query } : {}), ...(sort !== "name" ? { sort } : {}), ...(target > 1 ? { page: String(target) } : {}) });
    return params.size ? `/admin/organizations?${params}` : "/admin/organizations";
  };
  return (
    <div className="space-y-4">
      <div>
        <h1>Organizations</h1>
        <p className="text-sm text-stone-600">Every organization on the site: {numberFormat.format(result.total)} {query ? "match" : "in all"}. Open one to see it as its owners do: site administrators act as owners.</p>
      </div>
      <form role="search" className="flex flex-wrap items-end gap-2" aria-label="Find organizations">
        <div className="min-w-0 flex-1 sm:max-w-sm">
          <label htmlFor="organization-query" className="label">
            Organization name
          </label>
          <input id="organization-query" name="query" defaultValue={query} className="input" placeholder="Part of a name" />
        </div>
        <div>
          <label htmlFor="organization-sort" className="label">
            Sort by
          </label>
          <select id="organization-sort" name="sort" defaultValue={sort} className="input py-1.5">
            {adminOrganizationSorts.map((option) => (
              <option key={option} value={option}>
                {adminOrganizationSortLabels[option]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button-secondary">
          Search
        </button>
      </form>
      {result.items.length === 0 ? (
        <EmptyState title={query ? "No organization matches" : page > 1 ? "No more organizations" : "No organizations yet"} />
      ) : (
        <TableContainer label="Organizations on this site">
          <table className="data-table">
            <caption className="sr-only">
              Organizations on this site, {adminOrganizationSortLabels[sort].toLowerCase()}, page {result.page} of {pages}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Members</th>
                <th scope="col">Packages</th>
                <th scope="col">Plan</th>
                <th scope="col" className="hidden md:table-cell">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((organization) => (
                <tr key={organization.username} data-testid="admin-organization-row" data-organization={organization.username}>
                  <td>
                    <Link href={`/${encodeURIComponent(organization.username)}/dashboard`} className="font-medium">
                      {organization.username}
                    </Link>
                    <span className="block text-xs text-stone-600">Owners: {organization.owners.join(", ") || "none"}</span>
                  </td>
                  <td>{organization.members}</td>
                  <td>{organization.packages}</td>
                  <td>{organization.plan}</td>
                  <td className="hidden whitespace-nowrap md:table-cell">
                    <DateTime value={organization.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <nav aria-label="Pages" className="flex items-center justify-between gap-2 text-sm">
        {page > 1 ? <Link href={pageLink(page - 1)}>← Previous page</Link> : <span />}
        <span>
          Page {Math.min(page, pages)} of {numberFormat.format(pages)}
        </span>
        {page < pages ? <Link href={pageLink(page + 1)}>Next page →</Link> : <span />}
      </nav>
    </div>
  );
}
