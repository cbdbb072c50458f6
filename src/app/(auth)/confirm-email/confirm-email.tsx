"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { FormMessage } from "@/components/form";
import { useTRPC } from "@/trpc/client";

/** Confirming is a deliberate click, not a page load, so link scanners in mail systems cannot confirm for the user. */
export function ConfirmEmail({ token }: { token: string }) {
  const trpc = useTRPC();
  const confirm = useMutation(trpc.account.confirmEmailChange.mutationOptions());
  if (confirm.isSuccess) {
    return (
      <div className="space-y-3">
        <FormMessage tone="success">
          {confirm.data.outcome === "confirmed" ? `Your e-mail address ${confirm.data.email} is confirmed.` : `Your e-mail address is now ${confirm.data.email}.`}
        </FormMessage>
        <Link href="/settings/account">Back to your settings</Link>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <FormMessage tone="error">{confirm.error?.message}</FormMessage>
      <button type="button" className="button" disabled={!token || confirm.isPending} onClick={() => confirm.mutate({ token })}>
        {confirm.isPending ? "Confirming…" : "Confirm this e-mail address"}
      </button>
    </div>
  );
}
