"use client";

/**
 * Actions → Get transfer token: a token another Granary uses to copy this one's applications (Admin → Applications
 * → Transfer there). Shown once: it is not stored here, only its id (in the audit log, and once used, as a session).
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ActionButton } from "@/components/action-button";
import { CopyCommand } from "@/components/copy-command";
import { DateTime } from "@/components/date-time";
import { useTRPC } from "@/trpc/client";

export function TransferTokenSection() {
  const trpc = useTRPC();
  const issue = useMutation(trpc.applications.transferToken.mutationOptions());
  const [issued, setIssued] = useState<{ token: string; expiresAt: Date } | null>(null);
  return (
    <section aria-labelledby="transfer-token-heading" className="card space-y-3">
      <h2 id="transfer-token-heading">Get transfer token</h2>
      <p className="text-sm text-stone-700">
        A token with which another Granary lists this one&apos;s applications and copies them (Admin → Applications → Transfer there). It lasts an hour,
        can only read the applications and their packages&apos; files, and serves one transfer: once used, it is refused.
      </p>
      <ActionButton
        pendingLabel="Signing…"
        testId="get-transfer-token"
        className="button-secondary"
        onRun={async () => {
          const result = await issue.mutateAsync();
          setIssued({ token: result.token, expiresAt: result.expiresAt });
          return "A new transfer token: copy it now, it is shown only once.";
        }}
      >
        Get transfer token
      </ActionButton>
      {issued ? (
        <div className="space-y-1" data-testid="transfer-token">
          <CopyCommand label="Transfer token" command={issued.token} />
          <p className="text-sm text-stone-700">
            Valid until <DateTime value={issued.expiresAt} />.
          </p>
        </div>
      ) : null}
    </section>
  );
}
