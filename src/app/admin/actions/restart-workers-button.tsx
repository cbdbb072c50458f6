"use client";

import { useMutation } from "@tanstack/react-query";
import { ActionButton } from "@/components/action-button";
import { useTRPC } from "@/trpc/client";

export function RestartWorkersButton() {
  const trpc = useTRPC();
  const restart = useMutation(trpc.jobs.restartWorkers.mutationOptions());
  return (
    <ActionButton
      pendingLabel="Asking…"
      testId="restart-workers"
      className="button"
      onRun={async () => {
        const { workers } = await restart.mutateAsync();
        return workers === 1 ? "Asked 1 worker to restart." : `Asked ${workers} workers to restart.`;
      }}
    >
      Restart workers
    </ActionButton>
  );
}
