"use client";

import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { ConfirmAction } from "@/components/confirm-action";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { signInPath } from "@/shared/return-path";
import { deletePackageSchema, labelSchema } from "@/shared/schemas/packages";
import { useTRPC } from "@/trpc/client";

export function StarButton({ owner, name, starred, stars }: { owner: string; name: string; starred: boolean; stars: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const options = {
    onSuccess: () => router.refresh(),
    onError: (error: unknown) => {
      if (error instanceof TRPCClientError && error.data?.code === "UNAUTHORIZED") {
        router.push(signInPath(`/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`));
      }
    },
  };
  const star = useMutation(trpc.packages.star.mutationOptions(options));
  const unstar = useMutation(trpc.packages.unstar.mutationOptions(options));
  const pending = star.isPending || unstar.isPending;
  return (
    <button
      type="button"
      className="button-secondary"
      aria-pressed={starred}
      disabled={pending}
      onClick={() => (starred ? unstar : star).mutate({ owner, name })}
    >
      <span aria-hidden="true">{starred ? "★" : "☆"}</span> {starred ? "Starred" : "Star"} · {stars}
    </button>
  );
}

export function FileActions({ fileId, filename, labels }: { fileId: string; filename: string; labels: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const inputId = useId();
  const [label, setLabel] = useState("");
  const [error, setError] = useState("");
  const onError = (failure: unknown) => setError(failure instanceof Error ? failure.message : "That did not work.");
  const onSuccess = () => {
    setError("");
    router.refresh();
  };
  const addLabel = useMutation(trpc.packages.addLabel.mutationOptions({ onSuccess: () => (setLabel(""), onSuccess()), onError }));
  // Removing a label takes it off the channel at once: the removal offers an undo instead of asking first.
  const [removed, setRemoved] = useState<string | null>(null);
  const removeLabel = useMutation(
    trpc.packages.removeLabel.mutationOptions({ onSuccess: (_result, variables) => (setRemoved(variables.label), onSuccess()), onError }),
  );
  const restoreLabel = useMutation(trpc.packages.addLabel.mutationOptions({ onSuccess: () => (setRemoved(null), onSuccess()), onError }));
  const deleteFile = useMutation(trpc.packages.deleteFile.mutationOptions({ onSuccess, onError }));

  const submitLabel = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = labelSchema.safeParse(label);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? "Enter a label.");
      return;
    }
    addLabel.mutate({ fileId, label: parsed.data });
  };

  return (
    <div className="min-w-48 space-y-2">
      <ul className="flex flex-wrap gap-1">
        {labels.map((existing) => (
          <li key={existing}>
            <button
              type="button"
              className="rounded border border-stone-300 px-1.5 py-0.5 text-xs hover:bg-stone-100"
              aria-label={`Remove label ${existing} from ${filename}`}
              onClick={() => removeLabel.mutate({ fileId, label: existing })}
            >
              {existing} <span aria-hidden="true">×</span>
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submitLabel} className="flex gap-1">
        <label htmlFor={inputId} className="sr-only">
          New label for {filename}
        </label>
        <input id={inputId} value={label} onChange={(event) => setLabel(event.target.value)} className="input py-1 text-xs" placeholder="label" />
        <button type="submit" className="button-secondary px-2 py-1 text-xs" aria-label={`Add label to ${filename}`}>
          Add
        </button>
      </form>
      <ConfirmAction
        buttonContent="Delete file"
        buttonClassName="text-xs text-red-700 underline"
        title={`Delete ${filename}?`}
        confirmLabel="Delete file"
        pendingLabel="Deleting…"
        onConfirm={() => deleteFile.mutateAsync({ fileId })}
      >
        <p>Clients can no longer download it, and it cannot be brought back: uploading it again is the only way.</p>
      </ConfirmAction>
      <p aria-live="polite" className="text-xs text-stone-700">
        {removed ? (
          <>
            Removed label {removed} from {filename}.{" "}
            <button
              type="button"
              className="font-medium text-brand-700 underline"
              disabled={restoreLabel.isPending}
              onClick={() => restoreLabel.mutate({ fileId, label: removed })}
            >
              {restoreLabel.isPending ? "Restoring…" : "Undo"}
            </button>
          </>
        ) : null}
      </p>
      {error ? (
        <p role="alert" className="text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function PrivacyToggle({ owner, name, isPrivate, ownerKind }: { owner: string; name: string; isPrivate: boolean; ownerKind: "user" | "organization" }) {
  const trpc = useTRPC();
  const router = useRouter();
  const setPrivacy = useMutation(trpc.packages.setPrivacy.mutationOptions({ onSuccess: () => router.refresh() }));
  const audience = ownerKind === "organization" ? `the owners of ${owner}, the groups that reach it` : owner;
  return (
    <div className="space-y-2">
      <h3 className="text-sm font-semibold">Visibility</h3>
      <p className="text-sm text-stone-600">
        {isPrivate
          ? `Private: only ${audience} and its collaborators (and site administrators) can see and download it.`
          : "Public: anyone can find and download it, without an account."}
      </p>
      <button type="button" className="button-secondary" disabled={setPrivacy.isPending} onClick={() => setPrivacy.mutate({ owner, name, isPrivate: !isPrivate })}>
        {setPrivacy.isPending ? (isPrivate ? "Making it public…" : "Making it private…") : isPrivate ? "Make public" : "Make private"}
      </button>
      <FormMessage tone="error">{setPrivacy.error?.message}</FormMessage>
    </div>
  );
}

export function DeletePackageForm({ owner, name }: { owner: string; name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.packages.deletePackage.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(deletePackageSchema, {
    defaultValues: { owner, name, confirmation: "" },
    onSubmit: async (values) => {
      await remove.mutateAsync(values);
      router.replace(`/${owner}`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <h3 className="text-sm font-semibold">Delete this package</h3>
      <p className="text-sm text-stone-600">Every file of the package is removed from the channels and indexes. This cannot be undone.</p>
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label={`Type ${name} to confirm`} autoComplete="off" error={errors.confirmation?.message} {...form.register("confirmation")} />
      <SubmitButton pending={form.formState.isSubmitting} className="button-danger" pendingLabel="Deleting package…">
        Delete package
      </SubmitButton>
    </form>
  );
}

/**
 * Yanking a release (PEP 592) from the release history: installers then skip it unless it is pinned exactly, so
 * it asks first and says so; taking a yank back changes nothing anyone relies on, so it does not ask.
 */
export function YankReleaseControl({ owner, name, version, yanked }: { owner: string; name: string; version: string; yanked: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const reasonId = useId();
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const setYanked = useMutation(trpc.packages.setReleaseYanked.mutationOptions({ onSuccess: () => router.refresh() }));
  if (yanked) {
    return (
      <span className="space-x-2">
        <button
          type="button"
          className="text-xs text-brand-700 underline"
          disabled={setYanked.isPending}
          aria-busy={setYanked.isPending || undefined}
          onClick={() => {
            setError("");
            setYanked.mutate({ owner, name, version, yanked: false }, { onError: (failure) => setError(failure.message) });
          }}
        >
          {setYanked.isPending ? `Un-yanking ${version}…` : `Un-yank ${version}`}
        </button>
        {error ? (
          <span role="alert" className="text-xs text-red-700">
            {error}
          </span>
        ) : null}
      </span>
    );
  }
  return (
    <ConfirmAction
      buttonContent={`Yank ${version}`}
      buttonClassName="text-xs text-red-700 underline"
      title={`Yank ${name} ${version}?`}
      confirmLabel={`Yank ${version}`}
      pendingLabel={`Yanking ${version}…`}
      onConfirm={async () => {
        await setYanked.mutateAsync({ owner, name, version, yanked: true, reason: reason.trim() || undefined });
        setReason("");
      }}
    >
      <div className="space-y-3">
        <p>
          pip and other installers will skip {version} unless it is pinned exactly (<code>{`${name}==${version}`}</code>). Its files stay, and you
          can un-yank it later.
        </p>
        <div className="space-y-1">
          <label htmlFor={reasonId} className="font-medium">
            Reason (optional)
          </label>
          <input id={reasonId} value={reason} maxLength={250} onChange={(event) => setReason(event.target.value)} className="input" />
        </div>
      </div>
    </ConfirmAction>
  );
}
