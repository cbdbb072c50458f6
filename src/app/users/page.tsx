import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Users" };

function firstValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.slice(0, 100) ?? "";
}

/** The top bar's Users link for site administrators (seed 000): the people signed in now, each to their profile. */
export default async function ActiveUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePagePermission("admin:users:read", "/users");
  const after = firstValue((await searchParams).after);
  const result = await (await getServerApi()).admin.listActiveUsers({ after: after || undefined, pageSize: 50 });
  return (
    <div className="space-y-4">
      <div>
        <h1>Users</h1>
        <p className="text-sm text-stone-600">
          People signed in now: accounts with a session seen within the last {result.activeWithinMinutes} minutes, by name. Every account is under{" "}
          <Link href="/admin/users">Admin → Users</Link>.
        </p>
      </div>
      {result.items.length === 0 ? (
        <EmptyState title={after ? "No more users" : "Nobody is signed in"} />
      ) : (
        <ul className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white" aria-label="Users signed in now">
          {result.items.map((user) => (
            <li key={user.username} data-testid="active-user" className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 px-4 py-3">
              <span className="min-w-0 break-words">
                <Link href={`/${encodeURIComponent(user.username)}`} className="font-medium">
                  {user.username}
                </Link>
                {user.name ? <span className="ml-2 text-sm text-stone-600">{user.name}</span> : null}
              </span>
              <span className="text-xs text-stone-600">
                Last seen <DateTime value={user.lastSeenAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        {after ? <Link href="/users">← First page</Link> : <span />}
        {result.nextAfter ? <Link href={`/users?${new URLSearchParams({ after: result.nextAfter })}`}>Next page →</Link> : <span />}
      </nav>
    </div>
  );
}
