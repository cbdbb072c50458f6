"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/client";

/** Marking read refreshes the page, and with it the bell's number in the top bar. */
export function MarkReadButton({ id, message }: { id: string; message: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const markRead = useMutation(trpc.notifications.markRead.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="flex shrink-0 items-center gap-2">
      <button
        type="button"
        className="button-secondary px-2 py-1 text-xs"
        aria-label={`Mark read: ${message}`}
        disabled={markRead.isPending}
        onClick={() => markRead.mutate({ id })}
      >
        {markRead.isPending ? "Marking…" : "Mark read"}
      </button>
      {markRead.error ? (
        <span role="alert" className="text-xs text-red-700">
          {markRead.error.message}
        </span>
      ) : null}
    </div>
  );
}

export function MarkAllReadButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const markAll = useMutation(trpc.notifications.markAllRead.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="space-y-1">
      <button type="button" className="button-secondary" disabled={markAll.isPending} onClick={() => markAll.mutate()}>
        {markAll.isPending ? "Marking all read…" : "Mark all read"}
      </button>
      {markAll.error ? (
        <p role="alert" className="text-xs text-red-700">
          {markAll.error.message}
        </p>
      ) : null}
    </div>
  );
}
