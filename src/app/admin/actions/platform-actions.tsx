"use client";

/**
 * Admin → Actions' own controls: read-only mode, restarting the platform, and (in the danger zone) deleting all
 * public objects. The page's state is asked for again every few seconds while something is under way (a restart
 * that servers are answering, a deletion running), so the list of reloaded servers and the progress bar move
 * without a reload.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { ActionButton } from "@/components/action-button";
import { DateTime } from "@/components/date-time";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import type { AppRouter } from "@/server/api/root";
import { deletePublicObjectsPhrase, deletePublicObjectsSchema } from "@/shared/schemas/platform-actions";
import { useTRPC } from "@/trpc/client";
import { pollMilliseconds } from "../task-queue/live";

type Status = inferRouterOutputs<AppRouter>["platformActions"]["status"];

const unfinished = new Set(["queued", "running", "retrying"]);
/** How long after a restart the page keeps asking which servers have answered. */
const restartWatchMilliseconds = 30_000;

function usePlatformStatus(initial: Status) {
  const trpc = useTRPC();
  const [watchRestartUntil, setWatchRestartUntil] = useState(0);
  const status = useQuery({
    ...trpc.platformActions.status.queryOptions(),
    initialData: initial,
    staleTime: 0,
    refetchInterval: (query) => {
      const data = query.state.data;
      if (data?.deletion && unfinished.has(data.deletion.status)) return pollMilliseconds;
      return Date.now() < watchRestartUntil ? pollMilliseconds : false;
    },
  });
  return { status, watchRestart: () => setWatchRestartUntil(Date.now() + restartWatchMilliseconds) };
}

/** `children`, the other actions (restarting workers), go between the platform's and the danger zone. */
export function PlatformActions({ initial, children }: { initial: Status; children?: ReactNode }) {
  const { status, watchRestart } = usePlatformStatus(initial);
  return (
    <>
      <ReadOnlySection status={status.data} refetch={() => status.refetch()} />
      <RestartSection
        status={status.data}
        onRestarted={async () => {
          watchRestart();
          await status.refetch();
        }}
      />
      {children}
      <DangerZone status={status.data} refetch={() => status.refetch()} />
    </>
  );
}

function ReadOnlySection({ status, refetch }: { status: Status; refetch: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const router = useRouter();
  const setReadOnly = useMutation(trpc.platformActions.setReadOnly.mutationOptions());
  const on = status.mode.readOnly;
  return (
    <section aria-labelledby="read-only-heading" className="card space-y-3">
      <h2 id="read-only-heading">Read-only mode</h2>
      <p className="text-sm text-stone-700">
        While the site is read-only, uploads (conda, twine, the upload page) and changes to packages, organizations, groups and tokens are refused with a
        message saying so, and nobody can sign up. Browsing, searching, downloads and channel and index pages go on; people can still sign in and out.
      </p>
      <p data-testid="read-only-state" className="text-sm">
        {on ? (
          <>
            <strong>The site is read-only</strong>
            {status.mode.since ? (
              <>
                {" "}
                since <DateTime value={status.mode.since} />
              </>
            ) : null}
            .
          </>
        ) : (
          <>
            <strong>The site is open</strong>: uploads and changes are accepted.
          </>
        )}
      </p>
      <ActionButton
        pendingLabel={on ? "Turning off…" : "Turning on…"}
        testId="toggle-read-only"
        className={on ? "button" : "button-secondary"}
        onRun={async () => {
          await setReadOnly.mutateAsync({ readOnly: !on });
          await refetch();
          // The banner every page shows comes from the layout.
          router.refresh();
          return on ? "The site accepts uploads and changes again." : "The site is read-only now.";
        }}
      >
        {on ? "Turn off read-only mode" : "Turn on read-only mode"}
      </ActionButton>
    </section>
  );
}

function RestartSection({ status, onRestarted }: { status: Status; onRestarted: () => Promise<void> }) {
  const trpc = useTRPC();
  const restart = useMutation(trpc.platformActions.restart.mutationOptions());
  const latest = status.restart;
  return (
    <section aria-labelledby="restart-platform-heading" className="card space-y-3">
      <h2 id="restart-platform-heading">Restart the platform</h2>
      <p className="text-sm text-stone-700">
        Every app server reloads its settings and the active applications&apos; current versions, and forgets what it remembered (read-only mode, verified
        tokens, channels), in place: requests keep being answered while it does. Each server says below when it has reloaded.
      </p>
      <ActionButton
        pendingLabel="Asking…"
        testId="restart-platform"
        className="button"
        onRun={async () => {
          await restart.mutateAsync();
          await onRestarted();
          return "Asked every server to reload.";
        }}
      >
        Restart the platform
      </ActionButton>
      {latest ? (
        <div className="space-y-2" data-testid="latest-restart">
          <p className="text-sm">
            Last restart asked by <strong className="break-all">{latest.requestedBy}</strong> at <DateTime value={latest.requestedAt} />.
          </p>
          {latest.servers.length === 0 ? (
            <p className="text-sm text-stone-700" role="status">
              Waiting for the servers to answer…
            </p>
          ) : (
            <ul aria-label="Servers that reloaded" className="space-y-1 text-sm">
              {latest.servers.map((server) => (
                <li key={server.serverLabel} className="break-all" data-testid="reloaded-server">
                  Server <code>{server.serverLabel}</code> reloaded at <DateTime value={server.reloadedAt} />
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <p className="text-sm text-stone-700">The platform has not been restarted from here yet.</p>
      )}
    </section>
  );
}

function DeletionProgress({ deletion }: { deletion: NonNullable<Status["deletion"]> }) {
  const running = unfinished.has(deletion.status);
  const result = deletion.result as { packages?: number; files?: number; stoppedBecause?: string } | null;
  return (
    <div className="space-y-2" data-testid="deletion-run">
      <div
        role="progressbar"
        aria-label="Deleting public objects"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={deletion.progress}
        aria-valuetext={`${deletion.progress}%${deletion.progressMessage ? `: ${deletion.progressMessage}` : ""}`}
        data-testid="deletion-progress"
        className="h-3 w-full overflow-hidden rounded-full bg-stone-200"
      >
        <div className="h-full bg-red-700 transition-[width]" style={{ width: `${deletion.progress}%` }} />
      </div>
      <p className="text-sm text-stone-700" role="status" data-testid="deletion-status">
        {running
          ? `${deletion.status === "queued" ? "Waiting for a worker" : "Deleting"}: ${deletion.progress}%${deletion.progressMessage ? ` · ${deletion.progressMessage}` : ""}`
          : deletion.status === "succeeded"
            ? `${result?.stoppedBecause ? "Stopped" : "Done"}: deleted ${result?.packages ?? 0} public packages and ${result?.files ?? 0} files.${result?.stoppedBecause ? ` ${result.stoppedBecause}` : ""}`
            : `The deletion ${deletion.status === "cancelled" ? "was cancelled" : "failed"}${deletion.error ? `: ${deletion.error}` : "."}`}
      </p>
      <p className="text-sm">
        <Link href={`/admin/task-queue/runs/${deletion.runId}`}>See the task</Link>
      </p>
    </div>
  );
}

function DangerZone({ status, refetch }: { status: Status; refetch: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const remove = useMutation(trpc.platformActions.deletePublicObjects.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(deletePublicObjectsSchema, {
    defaultValues: { confirmation: "" },
    onSubmit: async (values) => {
      const started = await remove.mutateAsync(values);
      form.reset({ confirmation: "" });
      await refetch();
      return `Deleting ${started.packages} public packages: the progress is shown below.`;
    },
  });
  const running = status.deletion ? unfinished.has(status.deletion.status) : false;
  return (
    <section aria-labelledby="danger-zone-heading" className="space-y-3 rounded-lg border-2 border-red-300 bg-white p-4 sm:p-6">
      <h2 id="danger-zone-heading" className="text-red-800">
        Danger zone
      </h2>
      <h3 className="font-semibold">Delete all public objects</h3>
      <p className="text-sm text-stone-700">
        Deletes every public package with all its files, for good: <strong data-testid="public-package-count">{status.publicPackages}</strong>{" "}
        {status.publicPackages === 1 ? "package" : "packages"} now. Private packages stay. It runs as a background task, and only while the site is
        read-only, so that nothing is published or made public meanwhile.
      </p>
      {!status.mode.readOnly ? (
        <p className="text-sm text-red-800" data-testid="deletion-needs-read-only">
          Turn on read-only mode above first.
        </p>
      ) : null}
      <form onSubmit={submit} noValidate className="space-y-3">
        <FormMessage tone="error">{formError}</FormMessage>
        <FormMessage tone="success">{success}</FormMessage>
        <TextField
          label={`Type “${deletePublicObjectsPhrase}” to confirm`}
          autoComplete="off"
          spellCheck={false}
          error={errors.confirmation?.message}
          {...form.register("confirmation")}
        />
        <SubmitButton pending={form.formState.isSubmitting || running} className="button-danger" pendingLabel={running ? "Deleting…" : "Starting…"}>
          Delete all public objects
        </SubmitButton>
      </form>
      {status.deletion ? <DeletionProgress deletion={status.deletion} /> : null}
    </section>
  );
}
