import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DateTime } from "@/components/date-time";
import { routeParam } from "@/components/route-param";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";

export const metadata: Metadata = { title: "Security event" };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function ProfileLink({ username, fallback }: { username: string | null; fallback: string | null }) {
  if (username) return <Link href={`/${encodeURIComponent(username)}`}>{username}</Link>;
  return <>{fallback ?? "—"}</>;
}

/** Every field of one audit event, as seed 000's detail page: the event's own columns, then each detail. */
export default async function SecurityEventPage({ params }: { params: Promise<{ id: string }> }) {
  const id = routeParam((await params).id);
  await requirePagePermission("admin:audit:read", `/admin/security-log/${encodeURIComponent(id)}`);
  if (!uuidPattern.test(id)) notFound();
  const event = await (await getServerApi()).adminPeople.getSecurityEvent({ id }).catch(notFoundWhenMissing);
  const fields: Array<[string, React.ReactNode]> = [
    ["id", <code key="id">{event.id}</code>],
    ["action", <code key="action">{event.action}</code>],
    ["description", event.description],
    ["actor", <ProfileLink key="actor" username={event.actorUsername} fallback={event.actorLabel} />],
    ["actor_label", event.actorLabel],
    ["actor_id", event.actorUserId ? <code key="actor_id">{event.actorUserId}</code> : "—"],
    ["target_type", event.targetType],
    ["target_id", event.targetId ? <code key="target_id">{event.targetId}</code> : "—"],
    ["target_label", event.targetLabel ?? "—"],
    ["subject", <ProfileLink key="subject" username={event.subjectUsername} fallback={event.subjectUserId} />],
    ["remote_addr", event.ipAddress ?? "—"],
    ["user_agent", event.userAgent ?? "—"],
    ["time", <DateTime key="time" value={event.createdAt} />],
  ];
  const details = Object.entries(event.details ?? {});
  return (
    <div className="space-y-4">
      <p className="text-sm">
        <Link href="/admin/security-log">◀ Back to the security log</Link>
      </p>
      <h1 className="break-all">{event.action}</h1>
      <p className="text-sm text-stone-600">{event.description}</p>
      <dl className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white text-sm" data-testid="security-event-fields">
        {fields.map(([name, value]) => (
          <div key={name} className="grid gap-1 px-4 py-2 sm:grid-cols-[12rem_1fr]">
            <dt className="font-mono text-xs text-stone-600">{name}</dt>
            <dd className="min-w-0 break-all">{value}</dd>
          </div>
        ))}
      </dl>
      <h2>Details</h2>
      {details.length === 0 ? (
        <p className="text-sm text-stone-600">This event has no further details.</p>
      ) : (
        <dl className="divide-y divide-stone-100 rounded-lg border border-stone-200 bg-white text-sm" data-testid="security-event-details">
          {details.map(([name, value]) => (
            <div key={name} className="grid gap-1 px-4 py-2 sm:grid-cols-[12rem_1fr]">
              <dt className="font-mono text-xs text-stone-600">{name}</dt>
              <dd className="min-w-0 whitespace-pre-wrap break-all font-mono text-xs">{typeof value === "string" ? value : JSON.stringify(value, null, 2)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
