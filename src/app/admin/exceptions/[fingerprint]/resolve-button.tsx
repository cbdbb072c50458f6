"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ActionButton } from "@/components/action-button";
import { useTRPC } from "@/trpc/client";

/** Resolved: the fix is out. The group reopens by itself if the error happens again. */
export function ResolveButton({ fingerprint, resolved }: { fingerprint: string; resolved: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const setResolved = useMutation(trpc.exceptions.setResolved.mutationOptions());
  return (
    <ActionButton
      pendingLabel={resolved ? "Reopening…" : "Resolving…"}
      onRun={async () => {
        await setResolved.mutateAsync({ fingerprint, resolved: !resolved });
        router.refresh();
        return resolved ? "Reopened." : "Marked resolved.";
      }}
    >
      {resolved ? "Reopen" : "Mark resolved"}
    </ActionButton>
  );
}
