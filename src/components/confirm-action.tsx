"use client";

/**
 * A destructive action behind a confirmation: the button opens a modal dialog (the browser's own <dialog>, which
 * keeps focus inside and closes on Escape) that says what will happen; the action runs only from there, and a
 * refusal is shown in the dialog rather than lost.
 */
import { useId, useRef, useState, type ReactNode } from "react";
import { FormMessage } from "./form";

export function ConfirmAction({
  buttonContent,
  buttonLabel,
  buttonClassName = "button-danger",
  title,
  children,
  confirmLabel,
  pendingLabel,
  onConfirm,
}: {
  buttonContent: ReactNode;
  /** The button's accessible name when its content is only a sign (the red ×). */
  buttonLabel?: string;
  buttonClassName?: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  onConfirm: () => Promise<unknown>;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState("");

  const confirm = async () => {
    setPending(true);
    setError("");
    try {
      await onConfirm();
      dialogRef.current?.close();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : "That did not work. Try again.");
    } finally {
      setPending(false);
    }
  };

  return (
    <>
      <button
        type="button"
        className={buttonClassName}
        aria-label={buttonLabel}
        onClick={() => {
          setError("");
          dialogRef.current?.showModal();
        }}
      >
        {buttonContent}
      </button>
      <dialog
        ref={dialogRef}
        aria-labelledby={titleId}
        aria-describedby={descriptionId}
        className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-stone-200 bg-white p-6 text-stone-900 shadow-xl backdrop:bg-stone-900/50"
      >
        <div className="space-y-4">
          <h2 id={titleId}>{title}</h2>
          <div id={descriptionId} className="text-sm text-stone-700">
            {children}
          </div>
          <FormMessage tone="error">{error}</FormMessage>
          <div className="flex flex-wrap justify-end gap-2">
            {/* Cancel takes the focus first: Enter on an opened dialog must not destroy anything. */}
            <button type="button" className="button-secondary" autoFocus onClick={() => dialogRef.current?.close()}>
              Cancel
            </button>
            <button type="button" className="button-danger" disabled={pending} aria-busy={pending || undefined} onClick={confirm}>
              {pending ? pendingLabel : confirmLabel}
            </button>
          </div>
        </div>
      </dialog>
    </>
  );
}
