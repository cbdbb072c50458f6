"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "@/trpc/client";

export function SignOutButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const signOut = useMutation(
    trpc.account.signOut.mutationOptions({
      // Refreshing re-renders the server components, dropping what was rendered for the signed-in account.
      onSettled: () => {
        router.replace("/");
        router.refresh();
      },
    }),
  );
  return (
    <button
      type="button"
      data-menu-item
      onClick={() => signOut.mutate()}
      disabled={signOut.isPending}
      className="block w-full px-4 py-2 text-left text-sm text-stone-800 hover:bg-stone-100 focus:bg-stone-100"
    >
      {signOut.isPending ? "Signing out…" : "Sign out"}
    </button>
  );
}
