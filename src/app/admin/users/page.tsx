import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch } from "@/components/pagination";
import { searchTermFrom } from "@/components/search-term";
import { TableContainer } from "@/components/table-container";
import { getCurrentActor } from "@/server/auth/actor";
import { adminUserSortLabels, adminUserSorts, type AdminUserSort } from "@/shared/schemas/admin-people";
import { getServerApi } from "@/trpc/server";
import { UserActions } from "./user-actions";

export const metadata: Metadata = { title: "Users" };

const numberFormat = new Intl.NumberFormat("en-GB");
const pageSize = 50;

function sortFrom(value: string | string[] | undefined): AdminUserSort {
  const sort = Array.isArray(value) ? value[0] : value;
  return adminUserSorts.includes(sort as AdminUserSort) ? (sort as AdminUserSort) : "username";
}

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const query = searchTermFrom(search.query, 100).trim();
  const sort = sortFrom(search.sort);
  const page = pageFromSearch(search.page);
  const users = await (await getServerApi()).adminPeople.listUsers({ page, pageSize, query: query || undefined, sort });
  const actor = await getCurrentActor();
  const currentUserId = actor.kind === "user" ? actor.user.id : null;
  const pages = Math.max(1, Math.ceil(users.total / pageSize));
  // Past the counted people the pages go on as long as they are full.
  const pagesLabel = `${numberFormat.format(pages)}${users.moreMatches ? "+" : ""}`;
  const shownPage = users.moreMatches ? page : Math.min(page, pages);
  const hasNextPage = page < pages || (users.moreMatches && users.items.length === pageSize);
  const pageLink = (target: number) => {
    const params = new URLSearchParams({ ...(query ? { query } : {}), ...(sort !== "username" ? { sort } : {}), ...(target > 1 ? { page: String(target) } : {}) });
    return params.size ? `/admin/users?${params}` : "/admin/users";
  };
  return (
    <div className="space-y-4">
      <div>
        <h1>Users</h1>
        <p className="text-sm text-stone-600">
          Every person&apos;s account: {numberFormat.format(users.total)}
          {users.moreMatches ? "+" : ""} {query ? "match" : "in all"}. Open a row&apos;s actions to deactivate or reactivate
          it, give or take administrator rights, or generate a reset password link.
        </p>
      </div>
      <form role="search" className="flex flex-wrap items-end gap-2" aria-label="Find users">
        <div className="min-w-0 flex-1 sm:max-w-sm">
          <label htmlFor="user-query" className="label">
            Username or e-mail
          </label>
          <input id="user-query" name="query" defaultValue={query} className="input" placeholder="Part of a username or e-mail" />
        </div>
        <div>
          <label htmlFor="user-sort" className="label">
            Sort by
          </label>
          <select id="user-sort" name="sort" defaultValue={sort} className="input py-1.5">
            {adminUserSorts.map((option) => (
              <option key={option} value={option}>
                {adminUserSortLabels[option]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button-secondary">
          Search
        </button>
      </form>
      {users.items.length === 0 ? (
        <EmptyState title={query ? "No account matches" : "No accounts on this page"} />
      ) : (
        <TableContainer label="Accounts on this site">
          <table className="data-table">
            <caption className="sr-only">
              Accounts on this site, {adminUserSortLabels[sort].toLowerCase()}, page {users.page} of {pagesLabel}
            </caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col" className="hidden sm:table-cell">
                  E-mail
                </th>
                <th scope="col" className="hidden lg:table-cell">
                  Organizations
                </th>
                <th scope="col" className="hidden md:table-cell">
                  Packages
                </th>
                <th scope="col" className="hidden md:table-cell">
                  Last seen
                </th>
                <th scope="col">Active</th>
                <th scope="col">Admin</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.items.map((user) => (
                <tr key={user.id} data-testid="admin-user-row" data-username={user.username}>
                  <td className="font-medium">
                    <Link href={`/${encodeURIComponent(user.username)}`} className="break-all">
                      {user.username}
                    </Link>
                    <span className="block break-all text-xs font-normal text-stone-600 sm:hidden">{user.email}</span>
                  </td>
                  <td className="hidden break-all sm:table-cell">{user.email}</td>
                  <td className="hidden lg:table-cell">
                    {user.organizationCount === 0
                      ? "—"
                      : `${user.organizations.join(", ")}${user.organizationCount > user.organizations.length ? ` and ${user.organizationCount - user.organizations.length} more` : ""}`}
                  </td>
                  <td className="hidden md:table-cell" data-testid="user-packages">
                    {numberFormat.format(user.packages)}
                  </td>
                  <td className="hidden whitespace-nowrap md:table-cell">
                    <DateTime value={user.lastSeenAt} />
                  </td>
                  <td data-testid="user-active">{user.isActive ? "Yes" : "No"}</td>
                  <td data-testid="user-admin">{user.isSiteAdmin ? "Yes" : "No"}</td>
                  <td>
                    <UserActions userId={user.id} username={user.username} active={user.isActive} admin={user.isSiteAdmin} isSelf={user.id === currentUserId} />
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
          Page {shownPage} of {pagesLabel}
        </span>
        {hasNextPage ? <Link href={pageLink(page + 1)}>Next page →</Link> : <span />}
      </nav>
    </div>
  );
}
