import type { Metadata } from "next";
import { AuditTable } from "@/components/audit-table";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Security log" };

export default async function SecurityLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const events = await (await getServerApi()).admin.listSecurityLog({ page: pageFromSearch((await searchParams).page), pageSize: 50 });
  return (
    <div className="space-y-4">
      <h1>Security log</h1>
      {events.items.length === 0 ? <EmptyState title="No events yet" /> : <AuditTable rows={events.items} caption="Security events" showActor />}
      <Pagination basePath="/admin/security-log" page={events.page} pageSize={events.pageSize} total={events.total} />
    </div>
  );
}
