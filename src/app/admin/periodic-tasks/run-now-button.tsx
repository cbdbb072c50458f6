"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ActionButton } from "@/components/action-button";
import { useTRPC } from "@/trpc/client";

/** Queues a periodic task now, besides its schedule, and links to the run it queued. */
export function RunNowButton({ name }: { name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const run = useMutation(trpc.jobs.runPeriodicTask.mutationOptions());
  const [runId, setRunId] = useState<string | null>(null);
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <ActionButton
        pendingLabel="Queuing…"
        label={`Run ${name} now`}
        testId={`run-now-${name}`}
        onRun={async () => {
          const queued = await run.mutateAsync({ name });
          setRunId(queued.runId);
          router.refresh();
          return "Queued.";
        }}
      >
        Run now
      </ActionButton>
      {runId ? (
        <Link href={`/admin/task-queue/runs/${runId}`} className="text-sm">
          See the run
        </Link>
      ) : null}
    </span>
  );
}
