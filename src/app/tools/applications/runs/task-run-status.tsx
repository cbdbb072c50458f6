import { taskRunStatusLabels } from "@/shared/schemas/application-tasks";

const tones: Record<keyof typeof taskRunStatusLabels, string> = {
  queued: "bg-stone-100 text-stone-800",
  running: "bg-brand-50 text-brand-800",
  succeeded: "bg-green-50 text-green-800",
  failed: "bg-red-50 text-red-800",
  cancelled: "bg-stone-200 text-stone-800",
  timed_out: "bg-amber-50 text-amber-900",
};

export function TaskRunStatus({ status }: { status: keyof typeof taskRunStatusLabels }) {
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${tones[status]}`} data-testid="task-run-status" data-status={status}>
      {taskRunStatusLabels[status]}
    </span>
  );
}
