import type { ReactNode } from "react";

/** Wide tables scroll sideways on phones; the scrolling region is focusable so keyboards can scroll it too. */
export function TableContainer({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className="overflow-x-auto rounded-lg border border-stone-200 bg-white">
      {children}
    </div>
  );
}
