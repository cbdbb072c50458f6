"use client";

/** An application's task limits: how long one run may take and how much memory it may use (new runs get them). */
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { taskSettingsSchema } from "@/shared/schemas/application-tasks";
import { useTRPC } from "@/trpc/client";

export function TaskSettingsSection({ applicationId }: { applicationId: string }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.tasks.settings.queryOptions({ id: applicationId }));
  return (
    <section aria-labelledby="task-limits-heading" className="card space-y-3">
      <h2 id="task-limits-heading">Task limits</h2>
      <p className="text-sm text-stone-700">
        Each run of this application&apos;s tasks is killed past its timeout, and stopped when it asks for more memory than its limit. New runs get
        these limits. <Link href="/tools/applications/runs?everyone=1">Everyone&apos;s runs</Link>
      </p>
      {settings.data ? <TaskSettingsForm applicationId={applicationId} initial={settings.data} /> : <p className="text-sm">Loading…</p>}
    </section>
  );
}

function TaskSettingsForm({ applicationId, initial }: { applicationId: string; initial: { timeoutSeconds: number; memoryLimitMebibytes: number } }) {
  const trpc = useTRPC();
  const update = useMutation(trpc.tasks.updateSettings.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(taskSettingsSchema, {
    defaultValues: { applicationId, timeoutSeconds: initial.timeoutSeconds, memoryLimitMebibytes: initial.memoryLimitMebibytes },
    hiddenFields: ["applicationId"],
    onSubmit: async (values) => {
      await update.mutateAsync(values);
      return "Saved: new runs get these limits.";
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3" data-testid="task-settings-form">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <TextField label="Timeout (seconds)" inputMode="numeric" autoComplete="off" error={errors.timeoutSeconds?.message} {...form.register("timeoutSeconds")} />
      <TextField label="Memory limit (MiB)" inputMode="numeric" autoComplete="off" error={errors.memoryLimitMebibytes?.message} {...form.register("memoryLimitMebibytes")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…">
        Save limits
      </SubmitButton>
    </form>
  );
}
