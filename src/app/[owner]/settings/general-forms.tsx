"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ConfirmAction } from "@/components/confirm-action";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { deleteOrganizationSchema } from "@/shared/schemas/organizations";
import { useTRPC } from "@/trpc/client";

export function LeaveOrganizationButton({ organization, username }: { organization: string; username: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const leave = useMutation(trpc.organizations.removeMember.mutationOptions());
  return (
    <ConfirmAction
      buttonContent={`Leave ${organization}`}
      buttonClassName="button-secondary"
      title={`Leave ${organization}?`}
      confirmLabel="Leave"
      pendingLabel="Leaving…"
      onConfirm={async () => {
        await leave.mutateAsync({ organization, username });
        router.replace("/dashboard/organizations");
        router.refresh();
      }}
    >
      You will no longer reach its private packages through your membership or its groups.
    </ConfirmAction>
  );
}

/** Typing the name is the confirmation: the form says what goes, and the button what it is doing. */
export function DeleteOrganizationForm({ organization }: { organization: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.organizations.delete.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(deleteOrganizationSchema, {
    defaultValues: { organization, confirmation: "" },
    onSubmit: async (values) => {
      await remove.mutateAsync(values);
      router.replace(`/settings/organizations?deleted=${encodeURIComponent(organization)}`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label={`Type ${organization} to confirm`} autoComplete="off" error={errors.confirmation?.message} {...form.register("confirmation")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Deleting…" className="button-danger">
        Delete {organization}
      </SubmitButton>
    </form>
  );
}
