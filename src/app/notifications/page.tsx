import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { MarkAllReadButton, MarkReadButton } from "./notification-actions";

export const metadata: Metadata = { title: "Notifications" };

export default async function NotificationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireSignedIn("/notifications");
  const page = pageFromSearch((await searchParams).page);
  const notifications = await (await getServerApi()).notifications.list({ page, pageSize: 25 });
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1>Notifications</h1>
          <p className="text-sm text-stone-600" data-testid="unread-summary">
            {notifications.unread === 0 ? "Nothing unread." : `${notifications.unread} unread.`} What others did that concerns you, newest first.
          </p>
        </div>
        {notifications.unread > 0 ? <MarkAllReadButton /> : null}
      </div>
      {notifications.items.length === 0 ? (
        <EmptyState title="No notifications yet">You hear here when someone adds you to an organization, a group or a package.</EmptyState>
      ) : (
        <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white" aria-label="Your notifications">
          {notifications.items.map((notification) => {
            const unread = notification.readAt === null;
            return (
              <li
                key={notification.id}
                data-testid="notification"
                data-unread={unread ? "true" : "false"}
                className={`flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:justify-between ${unread ? "bg-brand-50" : ""}`}
              >
                <div className="min-w-0 space-y-1">
                  <p className="text-sm">
                    {unread ? (
                      <>
                        <span aria-hidden="true" className="mr-2 inline-block h-2 w-2 rounded-full bg-brand-700" />
                        <span className="sr-only">Unread: </span>
                      </>
                    ) : null}
                    {notification.link ? <Link href={notification.link}>{notification.message}</Link> : notification.message}
                  </p>
                  <p className="text-xs text-stone-600">
                    <DateTime value={notification.createdAt} />
                  </p>
                </div>
                {unread ? <MarkReadButton id={notification.id} message={notification.message} /> : <span className="text-xs text-stone-500">Read</span>}
              </li>
            );
          })}
        </ul>
      )}
      <Pagination basePath="/notifications" page={notifications.page} pageSize={notifications.pageSize} total={notifications.total} />
    </div>
  );
}
