"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { transferPackageSchema } from "@/shared/schemas/organizations";
import { useTRPC } from "@/trpc/client";

/** Confirmed twice, by a person: the package's name typed, and the account's password. */
export function TransferForm({ owner, name, targets }: { owner: string; name: string; targets: string[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const targetId = useId();
  const transfer = useMutation(trpc.packages.transfer.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(transferPackageSchema, {
    defaultValues: { owner, name, to: targets[0] ?? "", confirmation: "", password: "" },
    hiddenFields: ["owner", "name"],
    onSubmit: async (values) => {
      const moved = await transfer.mutateAsync(values);
      router.push(`/${encodeURIComponent(moved.owner)}/${encodeURIComponent(moved.name)}?transferredFrom=${encodeURIComponent(owner)}`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="max-w-xl space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <div>
        <label htmlFor={targetId} className="label">
          New owner
        </label>
        <select
          id={targetId}
          className="input"
          aria-invalid={errors.to ? true : undefined}
          aria-describedby={errors.to ? `${targetId}-error` : undefined}
          {...form.register("to")}
        >
          {targets.map((target) => (
            <option key={target} value={target}>
              {target}
            </option>
          ))}
        </select>
        {errors.to ? (
          <p id={`${targetId}-error`} className="field-error">
            {errors.to.message}
          </p>
        ) : null}
      </div>
      <TextField label={`Type ${name} to confirm`} autoComplete="off" error={errors.confirmation?.message} {...form.register("confirmation")} />
      <TextField label="Your password" type="password" autoComplete="current-password" error={errors.password?.message} {...form.register("password")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Transferring…" className="button-danger">
        Transfer ownership
      </SubmitButton>
    </form>
  );
}
