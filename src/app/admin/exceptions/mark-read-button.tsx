"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ActionButton } from "@/components/action-button";
import { useTRPC } from "@/trpc/client";

/** Clears the top bar's red dot: every exception recorded so far is marked read. */
export function MarkExceptionsReadButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const markRead = useMutation(trpc.admin.markExceptionsRead.mutationOptions());
  return (
    <ActionButton
      pendingLabel="Marking…"
      onRun={async () => {
        const { marked } = await markRead.mutateAsync();
        router.refresh();
        return marked === 1 ? "Marked 1 exception read." : `Marked ${marked} exceptions read.`;
      }}
    >
      Mark all as read
    </ActionButton>
  );
}
