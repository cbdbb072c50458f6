import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { getServerApi } from "@/trpc/server";
import { TableContainer } from "@/components/table-container";

export const metadata: Metadata = { title: "Outbox" };

export default async function OutboxPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const messages = await (await getServerApi()).admin.listOutbox({ page: pageFromSearch((await searchParams).page), pageSize: 50 });
  return (
    <div className="space-y-4">
      <div>
        <h1>Outbox</h1>
        <p className="text-sm text-stone-600">
          Every e-mail Granary sent. Without Resend or SMTP configured, mail is delivered here: open a message to read it.
        </p>
      </div>
      {messages.items.length === 0 ? (
        <EmptyState title="No e-mail sent yet" />
      ) : (
        <TableContainer label="Outgoing e-mail">
          <table className="data-table">
            <caption className="sr-only">Outgoing e-mail</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Delivery</th>
              </tr>
            </thead>
            <tbody>
              {messages.items.map((message) => (
                <tr key={message.id}>
                  <td className="whitespace-nowrap">
                    <DateTime value={message.createdAt} />
                  </td>
                  <td className="break-all">{message.toAddress}</td>
                  <td>
                    <Link href={`/admin/outbox/${message.id}`}>{message.subject}</Link>
                  </td>
                  <td>
                    {message.transport}: {message.status}
                    {message.error ? <span className="block text-xs text-red-700">{message.error}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <Pagination basePath="/admin/outbox" page={messages.page} pageSize={messages.pageSize} total={messages.total} />
    </div>
  );
}
