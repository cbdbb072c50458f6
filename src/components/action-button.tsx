"use client";

/**
 * A button that does one thing on the server (retry a run, mark errors read, restart workers): it says what it is
 * doing while the server works, shows the server's refusal beside itself, and says when it is done. What changed is
 * then shown by `onDone` (refreshing the page, or the live view polling it).
 */
import { useState, type ReactNode } from "react";

export function ActionButton({
  children,
  pendingLabel,
  onRun,
  doneMessage,
  className = "button-secondary",
  label,
  testId,
}: {
  children: ReactNode;
  pendingLabel: string;
  /** Resolves with the message to show once done (or nothing for `doneMessage`). */
  onRun: () => Promise<string | void>;
  doneMessage?: string;
  className?: string;
  /** The button's accessible name when its text alone would be ambiguous ("Retry" among many runs). */
  label?: string;
  testId?: string;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  const run = async () => {
    setPending(true);
    setError("");
    setDone("");
    try {
      setDone((await onRun()) || doneMessage || "");
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : "That did not work. Try again.");
    } finally {
      setPending(false);
    }
  };
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button type="button" className={className} disabled={pending} aria-busy={pending || undefined} aria-label={label} data-testid={testId} onClick={run}>
        {pending ? pendingLabel : children}
      </button>
      <span role="status" className="text-sm text-stone-700">
        {done}
      </span>
      {error ? (
        <span role="alert" data-testid="action-error" className="text-sm text-red-700">
          {error}
        </span>
      ) : null}
    </span>
  );
}
