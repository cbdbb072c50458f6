"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ConfirmAction } from "@/components/confirm-action";
import { useTRPC } from "@/trpc/client";

/**
 * Deactivating signs the person out everywhere and stops their tokens, so it asks first; reactivating undoes
 * that and takes one click.
 */
export function UserActiveToggle({ userId, username, active }: { userId: string; username: string; active: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toggle = useMutation(trpc.admin.setUserActive.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="flex flex-wrap items-center gap-2">
      <span>{active ? "Active" : "Deactivated"}</span>
      {active ? (
        <ConfirmAction
          buttonContent="Deactivate"
          buttonLabel={`Deactivate ${username}`}
          buttonClassName="button-secondary px-2 py-1 text-xs"
          title={`Deactivate ${username}?`}
          confirmLabel={`Deactivate ${username}`}
          pendingLabel="Deactivating…"
          onConfirm={() => toggle.mutateAsync({ userId, active: false })}
        >
          <p>
            {username} is signed out everywhere at once and cannot sign in, and their access tokens stop working. Their packages stay. You can
            reactivate the account later.
          </p>
        </ConfirmAction>
      ) : (
        <>
          <button
            type="button"
            className="button-secondary px-2 py-1 text-xs"
            disabled={toggle.isPending}
            aria-label={`Reactivate ${username}`}
            onClick={() => toggle.mutate({ userId, active: true })}
          >
            {toggle.isPending ? "Reactivating…" : "Reactivate"}
          </button>
          {toggle.error ? (
            <span role="alert" className="text-xs text-red-700">
              {toggle.error.message}
            </span>
          ) : null}
        </>
      )}
    </div>
  );
}
