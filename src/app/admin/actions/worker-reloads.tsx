"use client";

/**
 * When each running worker loaded the applications: a worker loads them as it starts (a restarted one, after the
 * old one stopped), so its start is that moment. The same query as the workers' table beside it, shared.
 */
import { useQuery } from "@tanstack/react-query";
import { DateTime } from "@/components/date-time";
import { useTRPC } from "@/trpc/client";
import { pollMilliseconds, type WorkersAnswer } from "../task-queue/live";

export function WorkerReloads({ initial }: { initial: WorkersAnswer }) {
  const trpc = useTRPC();
  const workers = useQuery({ ...trpc.jobs.workers.queryOptions(), initialData: initial, refetchInterval: pollMilliseconds, staleTime: 0 });
  const live = workers.data.items.filter((worker) => worker.state === "live");
  if (live.length === 0) return null;
  return (
    <ul aria-label="Workers and when they loaded the applications" className="space-y-1 text-sm">
      {live.map((worker) => (
        <li key={worker.id} className="break-all" data-testid="worker-reload">
          Worker <code>{`${worker.host}:${worker.pid}`}</code> loaded the applications at <DateTime value={worker.startedAt} />
        </li>
      ))}
    </ul>
  );
}
