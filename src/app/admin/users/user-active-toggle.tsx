"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/client";

export function UserActiveToggle({ userId, username, active }: { userId: string; username: string; active: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toggle = useMutation(trpc.admin.setUserActive.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="flex flex-wrap items-center gap-2">
      <span>{active ? "Active" : "Deactivated"}</span>
      <button
        type="button"
        className="button-secondary px-2 py-1 text-xs"
        disabled={toggle.isPending}
        aria-label={`${active ? "Deactivate" : "Reactivate"} ${username}`}
        onClick={() => toggle.mutate({ userId, active: !active })}
      >
        {active ? "Deactivate" : "Reactivate"}
      </button>
      {toggle.error ? (
        <span role="alert" className="text-xs text-red-700">
          {toggle.error.message}
        </span>
      ) : null}
    </div>
  );
}
