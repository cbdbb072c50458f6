import { jobRunStatusLabels, type JobRunStatusName } from "@/shared/schemas/jobs";

const tones: Record<JobRunStatusName, string> = {
  queued: "bg-stone-100 text-stone-800",
  running: "bg-blue-100 text-blue-900",
  succeeded: "bg-green-100 text-green-900",
  failed: "bg-red-100 text-red-900",
  cancelled: "bg-stone-200 text-stone-800",
  retrying: "bg-amber-100 text-amber-900",
};

export function RunStatusBadge({ status }: { status: JobRunStatusName }) {
  return (
    <span data-testid="run-status" data-status={status} className={`inline-block rounded px-1.5 py-0.5 text-xs font-semibold whitespace-nowrap ${tones[status]}`}>
      {jobRunStatusLabels[status]}
    </span>
  );
}
