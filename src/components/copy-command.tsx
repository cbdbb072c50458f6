"use client";

import { useState } from "react";

/** A command to copy, with a button that says when it worked. */
export function CopyCommand({ label, command }: { label: string; command: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
    setTimeout(() => setCopied("idle"), 2000);
  };
  return (
    <div className="space-y-1">
      <p className="text-sm font-medium">{label}</p>
      <div className="flex items-stretch gap-2">
        <code className="block min-w-0 flex-1 overflow-x-auto whitespace-pre rounded-md bg-stone-900 px-3 py-2 font-mono text-xs text-stone-100" tabIndex={0}>
          {command}
        </code>
        <button type="button" className="button-secondary px-3 text-xs" onClick={copy} aria-label={`Copy: ${label}`}>
          Copy
        </button>
      </div>
      <p aria-live="polite" className="h-4 text-xs text-stone-600">
        {copied === "copied" ? "Copied to the clipboard." : copied === "failed" ? "Copy failed: select the text instead." : ""}
      </p>
    </div>
  );
}
