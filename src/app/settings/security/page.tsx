import type { Metadata } from "next";
import { AuditTable } from "@/components/audit-table";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Security history" };

export default async function SecurityHistoryPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireSignedIn("/settings/security");
  const page = pageFromSearch((await searchParams).page);
  const history = await (await getServerApi()).account.securityHistory({ page, pageSize: 25 });
  return (
    <div className="space-y-4">
      <div>
        <h1>Security history</h1>
        <p className="text-sm text-stone-600">Sign-ins, password and e-mail changes and other security events of your account, newest first.</p>
      </div>
      {history.items.length === 0 ? (
        <EmptyState title="No events yet" />
      ) : (
        <AuditTable rows={history.items} caption="Security events of your account" />
      )}
      <Pagination basePath="/settings/security" page={history.page} pageSize={history.pageSize} total={history.total} />
    </div>
  );
}
