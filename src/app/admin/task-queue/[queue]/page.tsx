import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { jobQueueNames, jobRunStatusLabels, jobRunStatusNames, type JobQueueName, type JobRunStatusName } from "@/shared/schemas/jobs";
import { getServerApi } from "@/trpc/server";
import { RetryAllFailedButton } from "../live";
import { RunStatusBadge } from "../status-badge";

export const metadata: Metadata = { title: "Queue" };

function firstValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

/** One queue's tasks, newest first, filtered by state and paged by a cursor. */
export default async function QueuePage({
  params,
  searchParams,
}: {
  params: Promise<{ queue: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { queue: rawQueue } = await params;
  const queue = jobQueueNames.find((name) => name === rawQueue) as JobQueueName | undefined;
  if (!queue) notFound();
  await requirePagePermission("admin:jobs:read", `/admin/task-queue/${queue}`);
  const search = await searchParams;
  const status = jobRunStatusNames.find((name) => name === firstValue(search.status)) as JobRunStatusName | undefined;
  const cursor = firstValue(search.cursor).slice(0, 200);
  const api = await getServerApi();
  const [runs, counts] = await Promise.all([
    api.jobs.runs({ queue, statuses: status ? [status] : undefined, cursor: cursor || undefined, limit: 25 }).catch(() => null),
    api.jobs.queues(),
  ]);
  const failed = counts.queues.find((entry) => entry.queue === queue)?.failed ?? 0;
  const base = `/admin/task-queue/${queue}`;
  const withStatus = (extra: Record<string, string> = {}) => {
    const query = new URLSearchParams({ ...(status ? { status } : {}), ...extra });
    return query.size ? `${base}?${query}` : base;
  };
  return (
    <div className="space-y-4">
      <Link href="/admin/task-queue">← Task Queue</Link>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h1>
          Queue <span className="font-mono">{queue}</span>
        </h1>
        {failed > 0 ? <RetryAllFailedButton queue={queue} /> : null}
      </div>
      <nav aria-label="Status" className="flex flex-wrap gap-2 text-sm">
        {[undefined, ...jobRunStatusNames].map((option) => {
          const active = option === status;
          return (
            <Link
              key={option ?? "all"}
              href={option ? `${base}?status=${option}` : base}
              aria-current={active ? "page" : undefined}
              className={`rounded-full border px-3 py-1 no-underline ${active ? "border-brand-700 bg-brand-700 text-white" : "border-stone-300 bg-white text-stone-800 hover:bg-stone-100"}`}
            >
              {option ? jobRunStatusLabels[option] : "All"}
            </Link>
          );
        })}
      </nav>
      {!runs ? (
        <EmptyState title="This page of tasks no longer exists" />
      ) : runs.items.length === 0 ? (
        <EmptyState title={status ? `No ${jobRunStatusLabels[status].toLowerCase()} tasks` : "No tasks in this queue"} />
      ) : (
        <TableContainer label={`Tasks of the ${queue} queue`}>
          <table className="data-table" data-testid="runs">
            <caption className="sr-only">Tasks of the {queue} queue, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col" className="hidden sm:table-cell">
                  Attempts
                </th>
                <th scope="col">Queued</th>
                <th scope="col" className="hidden md:table-cell">
                  Finished
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.items.map((run) => (
                <tr key={run.id} data-testid="run" data-run-id={run.id}>
                  <td className="break-all">
                    <Link href={`/admin/task-queue/runs/${run.id}`}>{run.jobName}</Link>
                    <span className="block text-xs text-stone-600">by {run.startedBy.label}</span>
                  </td>
                  <td>
                    <RunStatusBadge status={run.status} />
                    {run.status === "running" ? <span className="block text-xs text-stone-600">{run.progress}%</span> : null}
                  </td>
                  <td className="hidden sm:table-cell">
                    {run.attempts} of {run.maxAttempts}
                  </td>
                  <td>
                    <DateTime value={run.queuedAt} />
                  </td>
                  <td className="hidden md:table-cell">
                    <DateTime value={run.finishedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        {cursor ? <Link href={withStatus()}>← Newest</Link> : <span />}
        {runs?.nextCursor ? <Link href={withStatus({ cursor: runs.nextCursor })}>Older →</Link> : <span />}
      </nav>
    </div>
  );
}
