"use client";

/**
 * An application's page: what runs, the latest install's progress bar and log (asked for again every few seconds
 * while it is under way), the version or commit to install next and whether it is active (Update applies them),
 * its tasks, its earlier installs, and Delete behind a typed confirmation.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { RouterOutputs } from "@/client";
import { DateTime } from "@/components/date-time";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { deleteApplicationSchema, updateApplicationSchema } from "@/shared/schemas/applications";
import { useTRPC } from "@/trpc/client";
import { pollMilliseconds } from "../../task-queue/live";
import { InstallStatus } from "../install-status";
import { TaskSettingsSection } from "./task-settings";

type Page = RouterOutputs["applications"]["get"];
type Install = Page["installs"][number];

const unfinished = new Set(["queued", "running"]);

export function ApplicationPanel({ initial }: { initial: Page }) {
  const trpc = useTRPC();
  const page = useQuery({
    ...trpc.applications.get.queryOptions({ id: initial.application.id }),
    initialData: initial,
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.installs[0] && unfinished.has(query.state.data.installs[0].status) ? pollMilliseconds : false),
  });
  const { application, installs, tasks } = page.data;
  const latest = installs[0];
  return (
    <>
      <div>
        <h1 className="break-words">{application.name}</h1>
        <p className="text-sm text-stone-700">
          {application.sourceKind === "git" ? "From a Git repository" : "From a Python package on this Granary"} · {application.active ? "Active" : "Inactive"}
        </p>
      </div>
      <section aria-labelledby="running-heading" className="card space-y-2">
        <h2 id="running-heading">What runs now</h2>
        <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]" data-testid="application-summary">
          <dt className="font-semibold">Source</dt>
          <dd className="break-all">{application.source}</dd>
          <dt className="font-semibold">Running</dt>
          <dd data-testid="running-version">
            {application.installedVersion ?? (application.installedCommit ? <code className="break-all">{application.installedCommit}</code> : "Nothing yet: no install has passed.")}
          </dd>
          {application.environmentPath ? (
            <>
              <dt className="font-semibold">Environment</dt>
              <dd className="break-all">
                <code>{application.environmentPath}</code>
              </dd>
            </>
          ) : null}
          {application.installedAt ? (
            <>
              <dt className="font-semibold">Installed</dt>
              <dd>
                <DateTime value={application.installedAt} />
              </dd>
            </>
          ) : null}
        </dl>
      </section>
      {latest ? <LatestInstall install={latest} /> : null}
      <UpdateSection page={page.data} refetch={() => page.refetch()} />
      <section aria-labelledby="tasks-heading" className="card space-y-2">
        <h2 id="tasks-heading">Tasks</h2>
        {tasks.length === 0 ? (
          <p className="text-sm text-stone-700">No task of the running version imports yet.</p>
        ) : (
          <ul className="space-y-2" data-testid="application-tasks">
            {tasks.map((task) => (
              <li key={task.name} className="text-sm" data-testid="application-task">
                <strong>{task.name}</strong> <code className="break-all text-xs">{task.entryPoint}</code>
                {task.description ? <span className="block">{task.description}</span> : null}
                {task.inputSchema ? (
                  <details>
                    <summary className="cursor-pointer">Input schema</summary>
                    <pre className="overflow-x-auto rounded bg-stone-100 p-2 text-xs">{JSON.stringify(task.inputSchema, null, 2)}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        <p className="text-sm">
          <Link href="/admin/import-errors">Import Errors</Link> · <Link href={`/admin/python-packages`}>Python packages</Link>
        </p>
      </section>
      <TaskSettingsSection applicationId={application.id} />
      {installs.length > 1 ? <EarlierInstalls installs={installs.slice(1)} /> : null}
      <DeleteSection name={application.name} id={application.id} />
    </>
  );
}

function LatestInstall({ install }: { install: Install }) {
  const running = unfinished.has(install.status);
  const percent = install.status === "succeeded" ? 100 : (install.progress ?? 0);
  const what = install.version ?? install.commit?.slice(0, 12) ?? "";
  return (
    <section aria-labelledby="install-heading" className="card space-y-3" data-testid="latest-install" data-status={install.status}>
      <h2 id="install-heading">
        Latest install: {what} <InstallStatus status={install.status} />
      </h2>
      <div
        role="progressbar"
        aria-label={`Installing ${what}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%${install.progressMessage ? `: ${install.progressMessage}` : ""}`}
        data-testid="install-progress"
        className="h-3 w-full overflow-hidden rounded-full bg-stone-200"
      >
        <div className={`h-full transition-[width] ${install.status === "failed" ? "bg-red-700" : "bg-brand-700"}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="text-sm" role="status" data-testid="install-status">
        {running
          ? `${install.status === "queued" ? "Waiting for a worker" : "Installing"}: ${percent}%${install.progressMessage ? ` · ${install.progressMessage}` : ""}`
          : install.status === "succeeded"
            ? `Installed: ${install.taskCount} task(s), ${install.importErrorCount} import error(s).`
            : `The install failed: ${install.error ?? "see its log."} What ran before keeps running.`}
      </p>
      {install.jobRunId ? (
        <p className="text-sm">
          <Link href={`/admin/task-queue/runs/${install.jobRunId}`}>See the task</Link>
        </p>
      ) : null}
      <details open={!running && install.status === "failed"}>
        <summary className="cursor-pointer text-sm font-semibold">The install&apos;s log (pip and git output)</summary>
        <pre className="mt-2 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-stone-900 p-3 text-xs text-stone-100" data-testid="install-log" tabIndex={0}>
          {install.output || "Nothing yet."}
        </pre>
      </details>
    </section>
  );
}

function UpdateSection({ page, refetch }: { page: Page; refetch: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const { application } = page;
  const versionId = useId();
  const activeId = useId();
  const [showCommits, setShowCommits] = useState(false);
  const versions = useQuery({
    ...trpc.applications.packageVersions.queryOptions({ owner: application.indexOwner, packageName: application.packageName ?? "" }),
    enabled: application.sourceKind === "package",
  });
  const commits = useQuery({ ...trpc.applications.branchCommits.queryOptions({ id: application.id }), enabled: application.sourceKind === "git" && showCommits });
  const update = useMutation(trpc.applications.update.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(updateApplicationSchema, {
    defaultValues: {
      id: application.id,
      active: application.active,
      ...(application.sourceKind === "package" ? { packageVersion: application.packageVersion ?? "" } : { gitCommit: application.gitCommit ?? "" }),
    },
    hiddenFields: ["id"],
    onSubmit: async (values) => {
      const result = await update.mutateAsync(values);
      await refetch();
      return result.install ? "Saved: the new version is being installed beside the running one." : "Saved.";
    },
  });
  const chosenCommit = form.watch("gitCommit");
  return (
    <section aria-labelledby="update-heading" className="card space-y-3">
      <h2 id="update-heading">Change and update</h2>
      <form onSubmit={submit} noValidate className="space-y-3" data-testid="update-application-form">
        <FormMessage tone="error">{formError}</FormMessage>
        <FormMessage tone="success">{success}</FormMessage>
        {application.sourceKind === "package" ? (
          <div>
            <label htmlFor={versionId} className="label">
              Version of {application.indexOwner}/{application.packageName}
            </label>
            <select id={versionId} className="input" aria-invalid={errors.packageVersion ? true : undefined} {...form.register("packageVersion")}>
              {[...new Set([...(versions.data ?? []), application.packageVersion ?? ""])].filter(Boolean).map((version) => (
                <option key={version} value={version}>
                  {version}
                  {version === application.installedVersion ? " (running)" : ""}
                </option>
              ))}
            </select>
            {errors.packageVersion ? <p className="field-error">{errors.packageVersion.message}</p> : null}
          </div>
        ) : (
          <div className="space-y-2">
            <p className="text-sm">
              Branch <code>{application.gitBranch}</code> of <code className="break-all">{application.gitUrl}</code>
            </p>
            <TextField label="Commit" autoComplete="off" spellCheck={false} error={errors.gitCommit?.message} {...form.register("gitCommit")} />
            <button type="button" className="button-secondary" aria-expanded={showCommits} onClick={() => setShowCommits((shown) => !shown)}>
              Edit: choose a commit of the branch
            </button>
            {showCommits ? (
              commits.isPending ? (
                <p className="text-sm" role="status">
                  Reading the branch…
                </p>
              ) : commits.error ? (
                <p className="text-sm text-red-800" role="alert">
                  {commits.error.message}
                </p>
              ) : (
                <fieldset className="space-y-1" data-testid="branch-commits">
                  <legend className="label">Commits of {application.gitBranch}, newest first</legend>
                  {(commits.data ?? []).map((commit) => (
                    <label key={commit.commit} className="flex items-start gap-2 text-sm">
                      <input
                        type="radio"
                        name="branch-commit"
                        value={commit.commit}
                        checked={chosenCommit === commit.commit}
                        onChange={() => form.setValue("gitCommit", commit.commit)}
                      />
                      <span className="min-w-0">
                        <code>{commit.commit.slice(0, 12)}</code> {commit.subject}{" "}
                        <span className="text-stone-600">
                          · {commit.author} · <DateTime value={commit.committedAt} />
                          {commit.commit === application.installedCommit ? " · running" : ""}
                        </span>
                      </span>
                    </label>
                  ))}
                </fieldset>
              )
            ) : null}
          </div>
        )}
        <div className="flex items-center gap-2">
          <input id={activeId} type="checkbox" {...form.register("active")} />
          <label htmlFor={activeId}>Active</label>
        </div>
        <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Updating…">
          Update
        </SubmitButton>
      </form>
    </section>
  );
}

function EarlierInstalls({ installs }: { installs: Install[] }) {
  return (
    <section aria-labelledby="earlier-heading" className="card space-y-2">
      <h2 id="earlier-heading">Earlier installs</h2>
      <ul className="space-y-1 text-sm">
        {installs.map((install) => (
          <li key={install.id}>
            {install.version ?? <code>{install.commit?.slice(0, 12)}</code>} <InstallStatus status={install.status} /> · <DateTime value={install.queuedAt} />
            {install.error ? <span className="block break-words text-stone-700">{install.error}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DeleteSection({ id, name }: { id: string; name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.applications.delete.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(deleteApplicationSchema, {
    defaultValues: { id, confirmation: "" },
    hiddenFields: ["id"],
    onSubmit: async (values) => {
      await remove.mutateAsync(values);
      router.push("/admin/applications");
      router.refresh();
    },
  });
  return (
    <section aria-labelledby="delete-heading" className="space-y-3 rounded-lg border-2 border-red-300 bg-white p-4 sm:p-6">
      <h2 id="delete-heading" className="text-red-800">
        Delete
      </h2>
      <p className="text-sm text-stone-700">Deletes the application and all its environments, for good.</p>
      <form onSubmit={submit} noValidate className="space-y-3">
        <FormMessage tone="error">{formError}</FormMessage>
        <TextField label={`Type “${name}” to confirm`} autoComplete="off" spellCheck={false} error={errors.confirmation?.message} {...form.register("confirmation")} />
        <SubmitButton pending={form.formState.isSubmitting} className="button-danger" pendingLabel="Deleting…">
          Delete the application
        </SubmitButton>
      </form>
    </section>
  );
}
