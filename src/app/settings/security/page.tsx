import type { Metadata } from "next";
import { AuditTable } from "@/components/audit-table";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { TableContainer } from "@/components/table-container";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { EndSessionButton, SignOutEverywhereButton } from "./session-actions";

export const metadata: Metadata = { title: "Security" };

export default async function SecurityPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireSignedIn("/settings/security");
  const page = pageFromSearch((await searchParams).page);
  const api = await getServerApi();
  const [sessions, history] = await Promise.all([api.account.listSessions(), api.account.securityHistory({ page, pageSize: 25 })]);
  return (
    <div className="space-y-10">
      <section aria-labelledby="sessions-heading" className="space-y-4">
        <div>
          <h1 id="sessions-heading">Where you are signed in</h1>
          <p className="text-sm text-stone-600">
            Each browser you signed in with. Signing one out ends it at once, wherever its cookie is; signing out everywhere ends them all,
            this one included. Access tokens are not affected: revoke those under Access tokens.
          </p>
        </div>
        <TableContainer label="Your sessions">
          <table className="data-table" data-testid="sessions">
            <caption className="sr-only">Your signed-in sessions</caption>
            <thead>
              <tr>
                <th scope="col">Browser or client</th>
                <th scope="col">IP address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last seen</th>
                {/* Relative, so the hidden label scrolls with the table instead of widening the page. */}
                <th scope="col" className="relative">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.id} data-testid="session-row" data-current={session.current || undefined}>
                  <td className="max-w-xs truncate text-xs" title={session.userAgent ?? undefined}>
                    {session.userAgent ?? "Unknown"}
                  </td>
                  <td className="font-mono text-xs">{session.ipAddress ?? "—"}</td>
                  <td className="whitespace-nowrap">
                    <DateTime value={session.createdAt} />
                  </td>
                  <td className="whitespace-nowrap">
                    <DateTime value={session.lastSeenAt} />
                  </td>
                  <td>
                    {session.current ? (
                      <span className="text-xs font-medium text-brand-800">This browser</span>
                    ) : (
                      <EndSessionButton sessionId={session.id} description={`the session from ${session.ipAddress ?? "an unknown address"}`} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
        <SignOutEverywhereButton />
      </section>

      <section aria-labelledby="history-heading" className="space-y-4">
        <div>
          <h2 id="history-heading">Security history</h2>
          <p className="text-sm text-stone-600">Sign-ins, password and e-mail changes and other security events of your account, newest first.</p>
        </div>
        {history.items.length === 0 ? (
          <EmptyState title="No events yet" />
        ) : (
          <AuditTable rows={history.items} caption="Security events of your account" />
        )}
        <Pagination basePath="/settings/security" page={history.page} pageSize={history.pageSize} total={history.total} />
      </section>
    </div>
  );
}
