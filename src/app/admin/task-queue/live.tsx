"use client";

/**
 * The Task Queue's live parts: the workers and the queues' counts, asked again every few seconds so a restart, a
 * retried run or a growing backlog shows without reloading; the page's server render gives the first answer.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { ActionButton } from "@/components/action-button";
import { DateTime } from "@/components/date-time";
import { TableContainer } from "@/components/table-container";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/trpc/client";
import type { inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>;
export type WorkersAnswer = Outputs["jobs"]["workers"];
export type QueuesAnswer = Outputs["jobs"]["queues"];

/** How often the live views ask again. */
export const pollMilliseconds = 2000;

const stateLabels = { live: "Running", lost: "Lost (no heartbeat)", stopped: "Stopped" } as const;

export function WorkersTable({ workers }: { workers: WorkersAnswer }) {
  if (workers.items.length === 0) {
    return <p className="text-sm text-stone-600" data-testid="no-workers">No worker has reported in the last day.</p>;
  }
  return (
    <TableContainer label="Workers">
      <table className="data-table" data-testid="workers">
        <caption className="sr-only">Workers</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Queues</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {workers.items.map((worker) => (
            <tr key={worker.id} data-testid="worker" data-state={worker.state}>
              <td className="font-mono break-all">
                {worker.host}.{worker.pid}
                <span className="block font-sans text-xs text-stone-600">
                  {worker.driver}, {worker.concurrency} at a time
                </span>
              </td>
              <td>{worker.queues.join(" ")}</td>
              <td>
                <DateTime value={worker.lastHeartbeatAt} />
              </td>
              <td>
                {stateLabels[worker.state]}
                {worker.state === "live" && worker.restartRequestedAt ? <span className="block text-xs text-amber-800">restarting</span> : null}
                {worker.running.length > 0 ? (
                  <span className="block text-xs text-stone-600">
                    running {worker.running.map((run) => run.jobName).join(", ")}
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableContainer>
  );
}

export function QueuesTable({ queues }: { queues: QueuesAnswer }) {
  return (
    <TableContainer label="Queues">
      <table className="data-table" data-testid="queues">
        <caption className="sr-only">Queues</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Backlog</th>
            <th scope="col">Running</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {queues.queues.map((queue) => (
            <tr key={queue.queue} data-testid={`queue-${queue.queue}`}>
              <th scope="row" className="font-medium">
                <Link href={`/admin/task-queue/${queue.queue}`}>{queue.queue}</Link>
              </th>
              <td data-testid="backlog">{queue.backlog}</td>
              <td data-testid="running">{queue.running}</td>
              <td data-testid="failed">
                {queue.failed > 0 ? <Link href={`/admin/task-queue/${queue.queue}?status=failed`}>{queue.failed}</Link> : 0}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableContainer>
  );
}

export function LiveWorkers({ initial }: { initial: WorkersAnswer }) {
  const trpc = useTRPC();
  const workers = useQuery({ ...trpc.jobs.workers.queryOptions(), initialData: initial, refetchInterval: pollMilliseconds, staleTime: 0 });
  return <WorkersTable workers={workers.data} />;
}

export function LiveQueues({ initial }: { initial: QueuesAnswer }) {
  const trpc = useTRPC();
  const queues = useQuery({ ...trpc.jobs.queues.queryOptions(), initialData: initial, refetchInterval: pollMilliseconds, staleTime: 0 });
  return <QueuesTable queues={queues.data} />;
}

export function RetryAllFailedButton({ queue }: { queue: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const retry = useMutation(trpc.jobs.retryFailed.mutationOptions());
  return (
    <ActionButton
      pendingLabel="Retrying…"
      testId="retry-all-failed"
      onRun={async () => {
        const { retried } = await retry.mutateAsync({ queue: queue as "high" | "default" | "low" | "user-tasks" });
        router.refresh();
        return retried === 1 ? "Queued 1 failed task again." : `Queued ${retried} failed tasks again.`;
      }}
    >
      Retry all failed
    </ActionButton>
  );
}
