"use client";

/**
 * CREATE APP: a name and a source. A package source picks one of the Python packages on this Granary and one of its
 * versions; a Git source takes a URL, a branch and a commit, and the owner whose index serves its dependencies. The
 * form is checked by the procedure's own schema; a refusal lands on the field it concerns.
 */
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId } from "react";
import type { RouterOutputs } from "@/client";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { createApplicationSchema } from "@/shared/schemas/applications";
import { useTRPC } from "@/trpc/client";

type Installable = RouterOutputs["applications"]["installablePackages"];

function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? (
    <p id={id} className="field-error">
      {message}
    </p>
  ) : null;
}

export function CreateApplicationForm({ installable }: { installable: Installable }) {
  const trpc = useTRPC();
  const router = useRouter();
  const packageId = useId();
  const versionId = useId();
  const activeId = useId();
  const create = useMutation(trpc.applications.create.mutationOptions());
  const first = installable[0];
  const { form, errors, formError, success, submit } = useSubmitForm(createApplicationSchema, {
    defaultValues: {
      name: "",
      sourceKind: "package",
      owner: first?.owner ?? "",
      packageName: first?.name ?? "",
      packageVersion: first?.versions[0] ?? "",
      gitUrl: "",
      gitBranch: "main",
      gitCommit: "",
      active: true,
    },
    onSubmit: async (values) => {
      const created = await create.mutateAsync(values);
      router.push(`/admin/applications/${created.id}`);
      return "Created: the install has started.";
    },
  });
  const sourceKind = form.watch("sourceKind");
  const owner = form.watch("owner");
  const packageName = form.watch("packageName");
  const chosen = installable.find((entry) => entry.owner === owner && entry.name === packageName);
  const packageError = errors.owner?.message ?? errors.packageName?.message;
  return (
    <section aria-labelledby="create-app-heading" className="card space-y-4">
      <h2 id="create-app-heading">CREATE APP</h2>
      <form onSubmit={submit} noValidate className="space-y-4" data-testid="create-application-form">
        <FormMessage tone="error">{formError}</FormMessage>
        <FormMessage tone="success">{success}</FormMessage>
        <TextField label="Name" autoComplete="off" error={errors.name?.message} {...form.register("name")} />
        <fieldset className="space-y-2">
          <legend className="label">Source</legend>
          <div className="flex flex-wrap gap-4">
            <label className="flex items-center gap-2">
              <input type="radio" value="package" {...form.register("sourceKind")} /> A Python package on this Granary
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" value="git" {...form.register("sourceKind")} /> A Git repository
            </label>
          </div>
        </fieldset>
        {sourceKind === "package" ? (
          installable.length === 0 ? (
            <p className="text-sm text-stone-700" data-testid="no-installable-packages">
              No Python package is published on this Granary yet: upload a wheel (with twine or the upload page) first.
            </p>
          ) : (
            <div className="grid gap-3 sm:grid-cols-2">
              <div>
                <label htmlFor={packageId} className="label">
                  Package
                </label>
                <select
                  id={packageId}
                  className="input"
                  value={`${owner}/${packageName ?? ""}`}
                  aria-invalid={packageError ? true : undefined}
                  aria-describedby={packageError ? `${packageId}-error` : undefined}
                  onChange={(event) => {
                    const entry = installable.find((candidate) => `${candidate.owner}/${candidate.name}` === event.target.value);
                    if (!entry) return;
                    form.setValue("owner", entry.owner);
                    form.setValue("packageName", entry.name);
                    form.setValue("packageVersion", entry.versions[0] ?? "");
                  }}
                >
                  {installable.map((entry) => (
                    <option key={`${entry.owner}/${entry.name}`} value={`${entry.owner}/${entry.name}`}>
                      {entry.owner}/{entry.name}
                    </option>
                  ))}
                </select>
                <FieldError id={`${packageId}-error`} message={packageError} />
              </div>
              <div>
                <label htmlFor={versionId} className="label">
                  Version
                </label>
                <select
                  id={versionId}
                  className="input"
                  aria-invalid={errors.packageVersion ? true : undefined}
                  aria-describedby={errors.packageVersion ? `${versionId}-error` : undefined}
                  {...form.register("packageVersion")}
                >
                  {(chosen?.versions ?? []).map((version) => (
                    <option key={version} value={version}>
                      {version}
                    </option>
                  ))}
                </select>
                <FieldError id={`${versionId}-error`} message={errors.packageVersion?.message} />
              </div>
            </div>
          )
        ) : (
          <div className="grid gap-3 sm:grid-cols-2">
            <div className="sm:col-span-2">
              <TextField
                label="Repository URL"
                autoComplete="off"
                spellCheck={false}
                hint="https://, ssh://, git:// or file:// URL, or an absolute path on the server."
                error={errors.gitUrl?.message}
                {...form.register("gitUrl")}
              />
            </div>
            <TextField label="Branch" autoComplete="off" spellCheck={false} error={errors.gitBranch?.message} {...form.register("gitBranch")} />
            <TextField label="Commit" autoComplete="off" spellCheck={false} hint="Its hash (7 to 64 hexadecimal characters)." error={errors.gitCommit?.message} {...form.register("gitCommit")} />
            <TextField
              label="Dependencies from (owner)"
              autoComplete="off"
              hint="The user or organization whose PyPI index on this Granary provides the dependencies."
              error={errors.owner?.message}
              {...form.register("owner")}
            />
          </div>
        )}
        <div className="flex items-center gap-2">
          <input id={activeId} type="checkbox" {...form.register("active")} />
          <label htmlFor={activeId}>Active (its tasks are offered to users once installed)</label>
        </div>
        <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Creating…">
          Create and install
        </SubmitButton>
      </form>
    </section>
  );
}
