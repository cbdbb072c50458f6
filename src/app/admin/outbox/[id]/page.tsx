import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DateTime } from "@/components/date-time";
import { idSchema } from "@/shared/schemas/admin";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "E-mail" };

export default async function OutboxMessagePage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = idSchema.safeParse({ id: (await params).id });
  if (!parsed.success) notFound();
  const api = await getServerApi();
  const message = await api.admin.getOutboxMessage(parsed.data).catch(() => notFound());
  return (
    <article className="space-y-4">
      <Link href="/admin/outbox">← Outbox</Link>
      <h1 data-testid="email-subject">{message.subject}</h1>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="font-medium">To</dt>
        <dd data-testid="email-to">{message.toAddress}</dd>
        <dt className="font-medium">Sent</dt>
        <dd>
          <DateTime value={message.createdAt} />
        </dd>
        <dt className="font-medium">Delivery</dt>
        <dd>
          {message.transport}: {message.status}
        </dd>
      </dl>
      {message.text ? (
        <pre data-testid="email-text" className="card overflow-x-auto whitespace-pre-wrap break-words text-sm">
          {message.text}
        </pre>
      ) : (
        <p className="text-sm text-stone-600">This message went out through {message.transport}; its body is not kept.</p>
      )}
    </article>
  );
}
