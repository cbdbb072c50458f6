"use client";

import { useState } from "react";

/** A file's sha256 behind a copy button: the full hash is in the button's title and copied whole. */
export function CopyHash({ filename, sha256 }: { filename: string; sha256: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(sha256);
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2000);
  };
  return (
    <span className="inline-flex shrink-0 items-center gap-2 text-xs">
      {/* The visible text starts the button's name, so speech control finds it by what it shows. */}
      <button type="button" onClick={copy} className="rounded border border-stone-300 px-2 py-0.5 font-mono text-stone-700 hover:bg-stone-100" title={`sha256 ${sha256}`}>
        sha256 {sha256.slice(0, 12)}…<span className="sr-only"> (copy the whole sha256 of {filename})</span>
      </button>
      <span aria-live="polite" className="text-stone-600">
        {state === "copied" ? "Copied." : state === "failed" ? "Copy failed." : ""}
      </span>
    </span>
  );
}
