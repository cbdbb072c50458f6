import type { ReactNode } from "react";

/**
 * Wide tables scroll sideways on phones; the scrolling region is focusable so keyboards can scroll it too. It is
 * positioned so that what is positioned inside it (screen-reader-only labels) scrolls with it instead of widening
 * the page.
 */
export function TableContainer({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className="relative overflow-x-auto rounded-lg border border-stone-200 bg-white">
      {children}
    </div>
  );
}
