const labels = {
  queued: { text: "Waiting for a worker", style: "bg-stone-100 text-stone-800" },
  running: { text: "Installing", style: "bg-sky-100 text-sky-900" },
  succeeded: { text: "Installed", style: "bg-brand-50 text-brand-800" },
  failed: { text: "Failed", style: "bg-red-100 text-red-800" },
} as const;

/** An install's status as a badge with words (never colour alone). */
export function InstallStatus({ status }: { status: keyof typeof labels | null }) {
  if (!status) return <span className="text-sm text-stone-600">None</span>;
  const label = labels[status];
  return <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${label.style}`}>{label.text}</span>;
}
