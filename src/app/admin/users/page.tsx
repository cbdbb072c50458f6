import type { Metadata } from "next";
import { DateTime } from "@/components/date-time";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { searchTermFrom } from "@/components/search-term";
import { getCurrentActor } from "@/server/auth/actor";
import { getServerApi } from "@/trpc/server";
import { UserActiveToggle } from "./user-active-toggle";
import { TableContainer } from "@/components/table-container";

export const metadata: Metadata = { title: "Users" };

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const query = searchTermFrom(search.query, 100).trim();
  const users = await (await getServerApi()).admin.listUsers({ page: pageFromSearch(search.page), pageSize: 50, query: query || undefined });
  const actor = await getCurrentActor();
  const currentUserId = actor.kind === "user" ? actor.user.id : null;
  return (
    <div className="space-y-4">
      <h1>Users</h1>
      <form role="search" className="flex max-w-md gap-2">
        <label htmlFor="user-query" className="sr-only">
          Search users by name or e-mail
        </label>
        <input id="user-query" name="query" defaultValue={query} className="input" placeholder="Username or e-mail" />
        <button type="submit" className="button-secondary">
          Search
        </button>
      </form>
      <TableContainer label="Accounts on this site">
        <table className="data-table">
          <caption className="sr-only">Accounts on this site</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col" className="hidden md:table-cell">
                Created
              </th>
              <th scope="col" className="hidden md:table-cell">
                Last sign-in
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {users.items.map((user) => (
              <tr key={user.id}>
                <td className="font-medium">{user.username}</td>
                <td className="break-all">{user.email}</td>
                <td>{user.isSiteAdmin ? "Site admin" : "User"}</td>
                <td className="hidden md:table-cell">
                  <DateTime value={user.createdAt} />
                </td>
                <td className="hidden md:table-cell">
                  <DateTime value={user.lastSignInAt} />
                </td>
                <td>
                  {user.id === currentUserId ? (
                    "Active (you)"
                  ) : (
                    <UserActiveToggle userId={user.id} username={user.username} active={user.isActive} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableContainer>
      <Pagination basePath="/admin/users" page={users.page} pageSize={users.pageSize} total={users.total} />
    </div>
  );
}
