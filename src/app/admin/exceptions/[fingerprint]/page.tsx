import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DateTime } from "@/components/date-time";
import { routeParam } from "@/components/route-param";
import { exceptionGroupRefSchema } from "@/shared/schemas/exceptions";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";
import { ResolveButton } from "./resolve-button";

export const metadata: Metadata = { title: "Exception" };

function RequestHeaders({ headers }: { headers: Record<string, string> | null }) {
  if (!headers || Object.keys(headers).length === 0) return <p className="text-sm text-stone-600">No headers were recorded.</p>;
  return (
    <dl className="grid gap-x-4 gap-y-1 text-xs sm:grid-cols-[max-content_1fr]">
      {Object.entries(headers).map(([name, value]) => (
        <div key={name} className="contents">
          <dt className="font-mono font-semibold">{name}</dt>
          <dd className="font-mono break-all">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export default async function ExceptionGroupPage({ params }: { params: Promise<{ fingerprint: string }> }) {
  const fingerprint = routeParam((await params).fingerprint);
  if (!exceptionGroupRefSchema.safeParse({ fingerprint }).success) notFound();
  const group = await (await getServerApi()).exceptions.group({ fingerprint }).catch(notFoundWhenMissing);
  const [latest, ...earlier] = group.latestOccurrences;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="text-sm">
            <Link href="/admin/exceptions">← Exceptions</Link>
          </p>
          <h1 className="break-words">{group.errorType}</h1>
          <p className="break-words text-stone-700">{group.message}</p>
        </div>
        <ResolveButton fingerprint={group.fingerprint} resolved={group.resolvedAt !== null} />
      </div>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="exception-group-summary">
        <div className="card">
          <dt className="text-sm text-stone-600">Count</dt>
          <dd className="font-semibold tabular-nums">{group.occurrences}</dd>
        </div>
        <div className="card">
          <dt className="text-sm text-stone-600">First seen</dt>
          <dd className="font-semibold">
            <DateTime value={group.firstSeenAt} />
          </dd>
        </div>
        <div className="card">
          <dt className="text-sm text-stone-600">Last seen</dt>
          <dd className="font-semibold">
            <DateTime value={group.lastSeenAt} />
          </dd>
        </div>
        <div className="card">
          <dt className="text-sm text-stone-600">Status</dt>
          <dd className="font-semibold" data-testid="exception-group-status">
            {group.resolvedAt ? `Resolved${group.resolvedBy ? ` by ${group.resolvedBy}` : ""}` : group.reopenedCount > 0 ? `Open (reopened ${group.reopenedCount}×)` : "Open"}
          </dd>
        </div>
      </dl>

      <section aria-labelledby="stack-heading" className="space-y-2">
        <h2 id="stack-heading" className="text-base font-semibold">
          Stack
        </h2>
        {group.stack ? (
          <pre className="overflow-x-auto rounded-md border border-stone-200 bg-stone-50 p-3 text-xs" tabIndex={0} aria-label="Stack trace">
            {group.stack}
          </pre>
        ) : (
          <p className="text-sm text-stone-600">No stack was recorded.</p>
        )}
        <details className="text-sm">
          <summary className="cursor-pointer">What groups these errors (the fingerprint)</summary>
          <p className="mt-2 text-stone-600">
            The error type and its top frames without line or column numbers, folders or build hashes, so the same error stays one group across releases:
          </p>
          <ul className="mt-1 list-disc pl-5 font-mono text-xs break-all">
            {group.frames.length > 0 ? group.frames.map((frame, index) => <li key={index}>{frame}</li>) : <li>(no frames: the message, numbers blanked)</li>}
          </ul>
        </details>
      </section>

      {latest ? (
        <section aria-labelledby="request-heading" className="space-y-2">
          <h2 id="request-heading" className="text-base font-semibold">
            Latest request
          </h2>
          <div className="card space-y-2" data-testid="exception-request">
            <p className="text-sm">
              <span className="font-mono font-semibold">{latest.method ?? "?"}</span> <span className="font-mono break-all">{latest.route ?? "unknown path"}</span>
            </p>
            <p className="text-sm">
              <DateTime value={latest.createdAt} /> · by{" "}
              {latest.username ? <Link href={`/${latest.username}`}>{latest.username}</Link> : <span className="text-stone-600">a visitor (not signed in) or the system</span>}
            </p>
            <h3 className="text-sm font-semibold">Headers (credentials removed)</h3>
            <RequestHeaders headers={latest.requestHeaders} />
          </div>
        </section>
      ) : null}

      {earlier.length > 0 ? (
        <section aria-labelledby="earlier-heading" className="space-y-2">
          <h2 id="earlier-heading" className="text-base font-semibold">
            Earlier occurrences
          </h2>
          <ul className="space-y-2">
            {earlier.map((occurrence) => (
              <li key={occurrence.id} className="card space-y-1 text-sm">
                <p>
                  <DateTime value={occurrence.createdAt} /> · <span className="font-mono">{occurrence.method ?? "?"}</span>{" "}
                  <span className="font-mono break-all">{occurrence.route ?? "unknown path"}</span> · by{" "}
                  {occurrence.username ? <Link href={`/${occurrence.username}`}>{occurrence.username}</Link> : "a visitor or the system"}
                </p>
                <details>
                  <summary className="cursor-pointer">Message and headers</summary>
                  <p className="mt-1 break-words">{occurrence.message}</p>
                  <RequestHeaders headers={occurrence.requestHeaders} />
                </details>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
