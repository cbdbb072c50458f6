import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { TableContainer } from "@/components/table-container";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Organizations" };

function firstValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.slice(0, 100) ?? "";
}

export default async function AdminOrganizationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const query = firstValue(search.query);
  const after = firstValue(search.after);
  const result = await (await getServerApi()).admin.listOrganizations({ query: query || undefined, after: after || undefined, pageSize: 50 });
  const pageLink = (next: string | null) => `/admin/organizations?${new URLSearchParams({ ...(query ? { query } : {}), ...(next ? { after: next } : {}) })}`;
  return (
    <div className="space-y-4">
      <div>
        <h1>Organizations</h1>
        <p className="text-sm text-stone-600">Every organization on the site, by name. Open one to see it as its owners do: site administrators act as owners.</p>
      </div>
      <form role="search" className="flex max-w-md gap-2">
        <label htmlFor="organization-query" className="sr-only">
          Search organizations by name
        </label>
        <input id="organization-query" name="query" defaultValue={query} className="input" placeholder="Organization name" />
        <button type="submit" className="button-secondary">
          Search
        </button>
      </form>
      {result.items.length === 0 ? (
        <EmptyState title={query ? "No organization matches" : after ? "No more organizations" : "No organizations yet"} />
      ) : (
        <TableContainer label="Organizations on this site">
          <table className="data-table">
            <caption className="sr-only">Organizations on this site</caption>
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
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        {after ? <Link href={pageLink(null)}>← First page</Link> : <span />}
        {result.nextAfter ? <Link href={pageLink(result.nextAfter)}>Next page →</Link> : <span />}
      </nav>
    </div>
  );
}
