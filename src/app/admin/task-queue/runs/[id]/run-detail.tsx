"use client";

/**
 * A task's detail. While it waits or runs, it is asked for again every few seconds, so its progress bar moves and
 * its log grows without a reload; once finished it stays as it is.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { ActionButton } from "@/components/action-button";
import { DateTime } from "@/components/date-time";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { pollMilliseconds } from "../../live";
import { RunStatusBadge } from "../../status-badge";

type Run = inferRouterOutputs<AppRouter>["jobs"]["run"];

const unfinished = new Set(["queued", "running", "retrying"]);

function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre aria-label={label} className="overflow-x-auto rounded-md bg-stone-50 p-3 text-xs break-words whitespace-pre-wrap">
      {value === null || value === undefined ? "—" : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function RunDetail({ initial }: { initial: Run }) {
  const trpc = useTRPC();
  const run = useQuery({
    ...trpc.jobs.run.queryOptions({ id: initial.id }),
    initialData: initial,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data && unfinished.has(query.state.data.status) ? pollMilliseconds : false),
  });
  const retry = useMutation(trpc.jobs.retry.mutationOptions());
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions());
  const data = run.data;
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-3">
        <RunStatusBadge status={data.status} />
        {data.status === "failed" ? (
          <ActionButton
            pendingLabel="Retrying…"
            testId="retry-run"
            onRun={async () => {
              await retry.mutateAsync({ id: data.id });
              await run.refetch();
              return "Queued again.";
            }}
          >
            Retry
          </ActionButton>
        ) : null}
        {unfinished.has(data.status) ? (
          <ActionButton
            pendingLabel="Cancelling…"
            testId="cancel-run"
            className="button-danger"
            onRun={async () => {
              await cancel.mutateAsync({ id: data.id });
              await run.refetch();
              return "Cancelled.";
            }}
          >
            Cancel
          </ActionButton>
        ) : null}
      </div>
      {data.status === "running" || data.progress > 0 ? (
        <div className="space-y-1">
          <div
            role="progressbar"
            aria-label="Progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={data.progress}
            aria-valuetext={`${data.progress}%${data.progressMessage ? `: ${data.progressMessage}` : ""}`}
            data-testid="run-progress"
            className="h-3 w-full overflow-hidden rounded-full bg-stone-200"
          >
            <div className="h-full bg-brand-700 transition-[width]" style={{ width: `${data.progress}%` }} />
          </div>
          <p className="text-sm text-stone-700">
            {data.progress}%{data.progressMessage ? ` · ${data.progressMessage}` : ""}
          </p>
        </div>
      ) : null}
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="font-medium">Queue</dt>
        <dd>
          <Link href={`/admin/task-queue/${data.queue}`}>{data.queue}</Link>
        </dd>
        <dt className="font-medium">Attempts</dt>
        <dd data-testid="run-attempts">
          {data.attempts} of {data.maxAttempts}
        </dd>
        <dt className="font-medium">Started by</dt>
        <dd className="break-all">{data.startedBy.label}</dd>
        <dt className="font-medium">Worker</dt>
        <dd className="break-all">{data.workerLabel ?? "—"}</dd>
        <dt className="font-medium">Driver</dt>
        <dd>{data.driver}</dd>
        <dt className="font-medium">Queued</dt>
        <dd>
          <DateTime value={data.queuedAt} />
        </dd>
        <dt className="font-medium">Started</dt>
        <dd>
          <DateTime value={data.startedAt} />
        </dd>
        <dt className="font-medium">Finished</dt>
        <dd>
          <DateTime value={data.finishedAt} />
        </dd>
        {data.nextAttemptAt ? (
          <>
            <dt className="font-medium">Next attempt</dt>
            <dd>
              <DateTime value={data.nextAttemptAt} />
            </dd>
          </>
        ) : null}
      </dl>
      {data.error ? (
        <section aria-labelledby="run-error" className="space-y-2">
          <h2 id="run-error">Error</h2>
          <p data-testid="run-error" className="text-sm break-words text-red-800">
            {data.error}
          </p>
          {data.errorStack ? (
            <details>
              <summary className="cursor-pointer text-sm">Stack trace</summary>
              <pre className="mt-2 overflow-x-auto rounded-md bg-stone-50 p-3 text-xs">{data.errorStack}</pre>
            </details>
          ) : null}
        </section>
      ) : null}
      <section aria-labelledby="run-input" className="space-y-2">
        <h2 id="run-input">Input</h2>
        <Json value={data.input} label="Input" />
      </section>
      {data.result !== null && data.result !== undefined ? (
        <section aria-labelledby="run-result" className="space-y-2">
          <h2 id="run-result">Result</h2>
          <Json value={data.result} label="Result" />
        </section>
      ) : null}
      <section aria-labelledby="run-log" className="space-y-2">
        <h2 id="run-log">Log</h2>
        {data.logs.length === 0 ? (
          <p className="text-sm text-stone-600">Nothing logged yet.</p>
        ) : (
          <ol className="space-y-1 rounded-md bg-stone-50 p-3 font-mono text-xs" data-testid="run-log" aria-live="polite">
            {data.logs.map((line, index) => (
              <li key={index} className="break-words">
                <time dateTime={new Date(line.loggedAt).toISOString()} className="text-stone-600">
                  {new Date(line.loggedAt).toISOString().slice(11, 19)}
                </time>{" "}
                <span className="text-stone-600">#{line.attempt}</span> <span className={line.level === "error" ? "text-red-800" : ""}>{line.level}</span>{" "}
                {line.message}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
