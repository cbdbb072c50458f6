import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { TableContainer } from "@/components/table-container";
import { getServerApi } from "@/trpc/server";
import { LogTabs } from "../log-filters";
import { MarkExceptionsReadButton } from "./mark-read-button";

export const metadata: Metadata = { title: "Exceptions" };

export default async function ExceptionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = await searchParams;
  const status = search.status === "resolved" ? "resolved" : "open";
  const api = await getServerApi();
  const [groups, { unread }] = await Promise.all([
    api.admin.listExceptions({ page: pageFromSearch(search.page), pageSize: 25, status }),
    api.admin.unreadExceptionCount(),
  ]);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h1>Exceptions</h1>
          <p className="text-sm text-stone-600">
            Unexpected server errors, grouped: the same type of error from the same place in the code is one group, however often it happened. While any is
            unread, a red dot shows beside Admin in the top bar; marking them read clears it. A resolved group reopens when its error comes back.
          </p>
        </div>
        {unread > 0 ? <MarkExceptionsReadButton /> : null}
      </div>
      <LogTabs
        label="Exception groups"
        basePath="/admin/exceptions"
        parameter="status"
        tabs={[
          { name: "open", label: "Open" },
          { name: "resolved", label: "Resolved" },
        ]}
        current={status}
        keep={{}}
      />
      {groups.items.length === 0 ? (
        <EmptyState title={status === "open" ? "No open server errors" : "No resolved groups"} />
      ) : (
        <TableContainer label="Exception groups">
          <table className="data-table" data-testid="exception-groups">
            <caption className="sr-only">{status === "open" ? "Open" : "Resolved"} groups of exceptions, the most recently seen first</caption>
            <thead>
              <tr>
                <th scope="col">Error</th>
                <th scope="col" className="text-right">
                  Count
                </th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {groups.items.map((group) => (
                <tr key={group.fingerprint} data-testid="exception-group" data-read={group.unread ? "false" : "true"}>
                  <td className="min-w-48">
                    {group.unread ? <span className="mr-2 rounded bg-red-100 px-1.5 py-0.5 text-xs font-semibold text-red-800">Unread</span> : null}
                    {group.reopenedCount > 0 && status === "open" ? (
                      <span className="mr-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900">Reopened</span>
                    ) : null}
                    <Link href={`/admin/exceptions/${group.fingerprint}`} className="font-medium">
                      {group.errorType}
                    </Link>
                    <span className="block break-words text-sm">{group.message.slice(0, 200)}</span>
                    {group.topFrame ? <span className="block break-all text-xs text-stone-600">{group.topFrame}</span> : null}
                  </td>
                  <td className="text-right tabular-nums">{group.occurrences}</td>
                  <td className="whitespace-nowrap">
                    <DateTime value={group.firstSeenAt} />
                  </td>
                  <td className="whitespace-nowrap">
                    <DateTime value={group.lastSeenAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <Pagination basePath={`/admin/exceptions?status=${status}`} page={groups.page} pageSize={groups.pageSize} total={groups.total} />
    </div>
  );
}
