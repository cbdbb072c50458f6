"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { ActionButton } from "@/components/action-button";
import { useTRPC } from "@/trpc/client";

const finished = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Queues the statistics snapshot now (the periodic task, as Periodic tasks' Run now does), follows its run, and
 * shows the new figures once it has finished.
 */
export function TakeSnapshotButton({ task }: { task: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.jobs.runPeriodicTask.mutationOptions());
  const [runId, setRunId] = useState<string | null>(null);
  const status = useQuery({
    ...trpc.jobs.run.queryOptions({ id: runId ?? "00000000-0000-4000-8000-000000000000" }),
    enabled: runId !== null,
    refetchInterval: (query) => (query.state.data && finished.has(query.state.data.status) ? false : 1_000),
  });
  const state = runId ? status.data?.status : undefined;
  useEffect(() => {
    if (state === "succeeded") router.refresh();
  }, [state, router]);
  return (
    <div className="flex flex-wrap items-center gap-3">
      <ActionButton
        pendingLabel="Queuing…"
        testId="take-snapshot"
        onRun={async () => {
          const queued = await run.mutateAsync({ name: task });
          setRunId(queued.runId);
          return "Snapshot queued.";
        }}
      >
        Take a snapshot now
      </ActionButton>
      {runId ? (
        <p className="text-sm" role="status" data-testid="snapshot-status">
          {state === "succeeded" ? "Snapshot taken." : state && finished.has(state) ? `The snapshot ${state}.` : "Taking the snapshot…"}{" "}
          <Link href={`/admin/task-queue/runs/${runId}`}>See the run</Link>
        </p>
      ) : null}
    </div>
  );
}
