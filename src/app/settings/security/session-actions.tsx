"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/client";

/** Ends one of the account's other sessions (a browser left signed in somewhere). */
export function EndSessionButton({ sessionId, description }: { sessionId: string; description: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const end = useMutation(trpc.account.revokeSession.mutationOptions({ onSettled: () => router.refresh() }));
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button
        type="button"
        className="button-secondary px-2 py-1 text-xs"
        disabled={end.isPending}
        aria-label={`Sign out ${description}`}
        onClick={() => end.mutate({ id: sessionId })}
      >
        {end.isPending ? "Signing out…" : "Sign out"}
      </button>
      {end.error ? (
        <span role="alert" className="text-xs text-red-700">
          {end.error.message}
        </span>
      ) : null}
    </div>
  );
}

/** Ends every session of the account, this browser's too, and goes to the sign-in page. */
export function SignOutEverywhereButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const signOut = useMutation(
    trpc.account.signOutEverywhere.mutationOptions({
      onSuccess: () => {
        router.replace("/sign-in");
        router.refresh();
      },
    }),
  );
  return (
    <div className="space-y-2">
      <button type="button" className="button-danger" disabled={signOut.isPending} onClick={() => signOut.mutate()}>
        {signOut.isPending ? "Signing out…" : "Sign out everywhere"}
      </button>
      {signOut.error ? (
        <p role="alert" className="text-sm text-red-700">
          {signOut.error.message}
        </p>
      ) : null}
    </div>
  );
}
