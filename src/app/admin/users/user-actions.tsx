"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useRef } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormMessage } from "@/components/form";
import { useTRPC } from "@/trpc/client";
import { ResetLink } from "./reset-link";
import { UserActiveToggle } from "./user-active-toggle";

interface UserActionsProps {
  userId: string;
  username: string;
  active: boolean;
  admin: boolean;
  /** The administrator's own row: deactivating oneself is refused, so it is not offered. */
  isSelf: boolean;
}

/**
 * Seed 003's popup of a user's row: activate or deactivate, give or take administrator rights, and generate a
 * reset-password link. A modal dialog (the browser's own, which keeps focus inside and closes on Escape).
 */
export function UserActions({ userId, username, active, admin, isSelf }: UserActionsProps) {
  const trpc = useTRPC();
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const setAdmin = useMutation(trpc.adminPeople.setUserAdmin.mutationOptions({ onSuccess: () => router.refresh() }));
  const resetLink = useMutation(trpc.adminPeople.createPasswordResetLink.mutationOptions());
  return (
    <>
      <button
        type="button"
        className="button-secondary px-2 py-1 text-xs"
        aria-haspopup="dialog"
        aria-label={`Actions for ${username}`}
        onClick={() => {
          resetLink.reset();
          dialogRef.current?.showModal();
        }}
      >
        Actions
      </button>
      <dialog
        ref={dialogRef}
        aria-labelledby={titleId}
        data-testid="user-actions"
        className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-lg border border-stone-200 bg-white p-6 text-stone-900 shadow-xl backdrop:bg-stone-900/50"
      >
        <div className="space-y-5">
          <div className="flex items-start justify-between gap-4">
            <h2 id={titleId} className="break-all">
              {username}
            </h2>
            <button type="button" className="button-secondary px-2 py-1 text-xs" autoFocus onClick={() => dialogRef.current?.close()}>
              Close
            </button>
          </div>
          <section className="space-y-2" aria-label="Account">
            <h3 className="text-sm font-semibold">Account</h3>
            {isSelf ? <p className="text-sm">Active (your own account)</p> : <UserActiveToggle userId={userId} username={username} active={active} />}
          </section>
          <section className="space-y-2" aria-label="Administrator rights">
            <h3 className="text-sm font-semibold">Administrator rights</h3>
            <p className="text-sm" data-testid="admin-status">
              {admin ? `${username} is a site administrator.` : `${username} is not a site administrator.`}
            </p>
            {admin ? (
              <ConfirmAction
                buttonContent="Revoke administrator rights"
                buttonClassName="button-secondary px-2 py-1 text-xs"
                title={`Take ${username}'s administrator rights?`}
                confirmLabel="Revoke administrator rights"
                pendingLabel="Revoking…"
                onConfirm={() => setAdmin.mutateAsync({ userId, admin: false })}
              >
                <p>
                  {username} keeps the account and its packages but can no longer open the admin panel or act on other people&apos;s accounts.
                  {isSelf ? " This is your own account: you lose the admin panel at once." : ""}
                </p>
              </ConfirmAction>
            ) : (
              <ConfirmAction
                buttonContent="Grant administrator rights"
                buttonClassName="button-secondary px-2 py-1 text-xs"
                title={`Make ${username} a site administrator?`}
                confirmLabel="Grant administrator rights"
                pendingLabel="Granting…"
                onConfirm={() => setAdmin.mutateAsync({ userId, admin: true })}
              >
                <p>{username} can then read every account, package and log, change the site&apos;s settings and act on every account, as you can.</p>
              </ConfirmAction>
            )}
          </section>
          <section className="space-y-2" aria-label="Password">
            <h3 className="text-sm font-semibold">Password</h3>
            <button
              type="button"
              className="button-secondary px-2 py-1 text-xs"
              disabled={resetLink.isPending}
              aria-busy={resetLink.isPending || undefined}
              onClick={() => resetLink.mutate({ username })}
            >
              {resetLink.isPending ? "Generating…" : "Generate reset password link"}
            </button>
            <FormMessage tone="error">{resetLink.error?.message}</FormMessage>
            {resetLink.data ? <ResetLink username={resetLink.data.username} url={resetLink.data.url} expiresAt={resetLink.data.expiresAt} /> : null}
          </section>
        </div>
      </dialog>
    </>
  );
}
