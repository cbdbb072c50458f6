import type { Metadata } from "next";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Exceptions" };

export default async function ExceptionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const exceptions = await (await getServerApi()).admin.listExceptions({ page: pageFromSearch((await searchParams).page), pageSize: 25 });
  return (
    <div className="space-y-4">
      <h1>Exceptions</h1>
      {exceptions.items.length === 0 ? (
        <EmptyState title="No server errors recorded" />
      ) : (
        <ul className="space-y-3">
          {exceptions.items.map((exception) => (
            <li key={exception.id} className="card space-y-2">
              <p className="font-medium">{exception.message}</p>
              <p className="text-xs text-stone-600">
                <DateTime value={exception.createdAt} /> · {exception.method ?? "?"} {exception.route ?? "unknown route"}
              </p>
              {exception.stack ? (
                <details>
                  <summary className="cursor-pointer text-sm">Stack trace</summary>
                  <pre className="mt-2 overflow-x-auto text-xs">{exception.stack}</pre>
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <Pagination basePath="/admin/exceptions" page={exceptions.page} pageSize={exceptions.pageSize} total={exceptions.total} />
    </div>
  );
}
