import type { Metadata } from "next";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { getServerApi } from "@/trpc/server";
import { MarkExceptionsReadButton } from "./mark-read-button";

export const metadata: Metadata = { title: "Exceptions" };

export default async function ExceptionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const api = await getServerApi();
  const [exceptions, { unread }] = await Promise.all([
    api.admin.listExceptions({ page: pageFromSearch((await searchParams).page), pageSize: 25 }),
    api.admin.unreadExceptionCount(),
  ]);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h1>Exceptions</h1>
          <p className="text-sm text-stone-600">
            Unexpected server errors. While any is unread, a red dot shows beside Admin in the top bar; marking them read clears it.
          </p>
        </div>
        {unread > 0 ? <MarkExceptionsReadButton /> : null}
      </div>
      {exceptions.items.length === 0 ? (
        <EmptyState title="No server errors recorded" />
      ) : (
        <ul className="space-y-3">
          {exceptions.items.map((exception) => (
            <li key={exception.id} className="card space-y-2" data-testid="exception" data-read={exception.readAt ? "true" : "false"}>
              <p className="font-medium break-words">
                {exception.readAt ? null : <span className="mr-2 rounded bg-red-100 px-1.5 py-0.5 text-xs font-semibold text-red-800">Unread</span>}
                {exception.message}
              </p>
              <p className="text-xs text-stone-600">
                <DateTime value={exception.createdAt} /> · {exception.method ?? "?"} <span className="break-all">{exception.route ?? "unknown route"}</span>
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
