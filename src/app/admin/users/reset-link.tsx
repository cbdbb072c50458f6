"use client";

import { useState } from "react";
import { DateTime } from "@/components/date-time";

/**
 * A freshly made reset-password link, shown once, with a copy button that says (also to screen readers) whether
 * copying worked.
 */
export function ResetLink({ username, url, expiresAt }: { username: string; url: string; expiresAt: Date | string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
  };
  return (
    <div className="space-y-2 rounded-md border border-brand-100 bg-brand-50 p-3 text-sm" data-testid="reset-link">
      <p>
        A reset link for <strong>{username}</strong>. It works once, until <DateTime value={expiresAt} />, and replaces the links sent to {username}{" "}
        before. Send it to them yourself: it is not e-mailed, and it is not shown again.
      </p>
      <div className="flex flex-wrap items-stretch gap-2">
        <label htmlFor={`reset-url-${username}`} className="sr-only">
          Reset link for {username}
        </label>
        <input
          id={`reset-url-${username}`}
          readOnly
          value={url}
          className="input min-w-0 flex-1 font-mono text-xs"
          onFocus={(event) => event.currentTarget.select()}
          data-testid="reset-url"
        />
        <button type="button" className="button-secondary px-3 text-xs" onClick={copy} aria-label={`Copy the reset link for ${username}`}>
          Copy
        </button>
      </div>
      <p aria-live="polite" role="status" className="min-h-4 text-xs text-stone-700" data-testid="copy-status">
        {copied === "copied" ? "Copied" : copied === "failed" ? "Copying failed: select the link and copy it instead." : ""}
      </p>
    </div>
  );
}
