"use client";

/**
 * A task run's page: its progress bar and log lines, asked for again every second while it runs; then its result
 * JSON and the files it wrote, to download. Its user may rerun it (same input) or cancel it while it runs.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import type { RouterOutputs } from "@/client";
import { ActionButton } from "@/components/action-button";
import { DateTime } from "@/components/date-time";
import { formatBytes } from "@/shared/format-bytes";
import { useTRPC } from "@/trpc/client";
import { TaskRunStatus } from "../task-run-status";

type Page = RouterOutputs["tasks"]["run"];

export const runPollMilliseconds = 1000;

export function RunPanel({ initial }: { initial: Page }) {
  const trpc = useTRPC();
  const router = useRouter();
  const page = useQuery({
    ...trpc.tasks.run.queryOptions({ id: initial.run.id }),
    initialData: initial,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.run.finished ? false : runPollMilliseconds),
  });
  const cancel = useMutation(trpc.tasks.cancel.mutationOptions());
  const rerun = useMutation(trpc.tasks.rerun.mutationOptions());
  const { run, logLines, result, objects } = page.data;
  const percent = run.status === "succeeded" ? 100 : run.progress;
  const files = objects.filter((object) => object.kind === "file");
  const resultObject = objects.find((object) => object.kind === "result");
  return (
    <>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h1 className="break-words">
            {run.application}: {run.task}
          </h1>
          <p className="text-sm text-stone-700">
            Run by {run.user} · <DateTime value={run.queuedAt} />
          </p>
        </div>
        {run.mine ? (
          <div className="flex flex-wrap gap-2">
            {!run.finished ? (
              <ActionButton
                pendingLabel="Cancelling…"
                testId="cancel-run"
                onRun={async () => {
                  await cancel.mutateAsync({ id: run.id });
                  await page.refetch();
                  return "Cancelled.";
                }}
              >
                Cancel
              </ActionButton>
            ) : null}
            <ActionButton
              pendingLabel="Starting…"
              testId="rerun"
              onRun={async () => {
                const { id } = await rerun.mutateAsync({ id: run.id });
                router.push(`/tools/applications/runs/${id}`);
                return "Started again.";
              }}
            >
              Rerun
            </ActionButton>
          </div>
        ) : null}
      </div>
      <section aria-labelledby="progress-heading" className="card space-y-3" data-testid="task-run" data-status={run.status}>
        <h2 id="progress-heading">
          Progress <TaskRunStatus status={run.status} />
        </h2>
        <div
          role="progressbar"
          aria-label={`${run.task}'s progress`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${percent}%${run.progressMessage ? `: ${run.progressMessage}` : ""}`}
          data-testid="task-run-progress"
          className="h-3 w-full overflow-hidden rounded-full bg-stone-200"
        >
          <div className={`h-full transition-[width] ${run.status === "failed" || run.status === "timed_out" ? "bg-red-700" : "bg-brand-700"}`} style={{ width: `${percent}%` }} />
        </div>
        <p className="text-sm" role="status" data-testid="task-run-message">
          {run.status === "queued"
            ? "Waiting for a worker."
            : run.status === "running"
              ? `Running: ${percent}%${run.progressMessage ? ` · ${run.progressMessage}` : ""}`
              : run.status === "succeeded"
                ? `Done${run.progressMessage ? `: ${run.progressMessage}` : "."}`
                : (run.error ?? "It stopped.")}
        </p>
        <p className="text-xs text-stone-600">
          Limits: {run.timeoutSeconds} s, {run.memoryLimitMebibytes} MiB.
          {run.startedAt ? (
            <>
              {" "}
              Started <DateTime value={run.startedAt} />.
            </>
          ) : null}
          {run.finishedAt ? (
            <>
              {" "}
              Finished <DateTime value={run.finishedAt} />.
            </>
          ) : null}
        </p>
        <details>
          <summary className="cursor-pointer text-sm font-semibold">Input</summary>
          <pre className="mt-2 overflow-x-auto rounded bg-stone-100 p-2 text-xs" data-testid="task-run-input">
            {JSON.stringify(run.input, null, 2)}
          </pre>
        </details>
      </section>
      <section aria-labelledby="log-heading" className="card space-y-2">
        <h2 id="log-heading">Log</h2>
        <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-stone-900 p-3 text-xs text-stone-100" data-testid="task-run-log" tabIndex={0}>
          {logLines.length ? logLines.map((line) => `${line.stream === "stderr" ? "! " : ""}${line.message}`).join("\n") : "Nothing yet."}
        </pre>
      </section>
      {result || files.length ? (
        <section aria-labelledby="result-heading" className="card space-y-3">
          <h2 id="result-heading">Result</h2>
          {result ? (
            <>
              <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-stone-100 p-3 text-xs" data-testid="task-run-result" tabIndex={0}>
                {prettyJson(result.json)}
              </pre>
              {result.truncated ? <p className="text-xs text-stone-600">Only the start of the result is shown: download it for all of it.</p> : null}
            </>
          ) : null}
          <ul className="space-y-1 text-sm" data-testid="task-run-files">
            {[...(resultObject ? [resultObject] : []), ...files].map((object) => (
              <li key={object.id} className="break-all">
                <a href={`/tools/applications/runs/${run.id}/files/${object.id}`} download>
                  {object.name}
                </a>{" "}
                <span className="text-stone-600">
                  ({formatBytes(object.size)}) sha256 <code className="text-xs">{object.sha256}</code>
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
