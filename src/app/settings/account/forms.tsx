"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { changeEmailSchema, changePasswordSchema, deleteAccountSchema, passwordMinLength, updateProfileSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function ProfileForm({ name }: { name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.account.updateProfile.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(updateProfileSchema, {
    defaultValues: { name },
    onSubmit: async (values) => {
      await update.mutateAsync(values);
      router.refresh();
      return "Profile saved.";
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <TextField label="Display name" autoComplete="name" error={errors.name?.message} {...form.register("name")} />
      <SubmitButton pending={form.formState.isSubmitting} className="button-secondary" pendingLabel="Saving…">
        Save profile
      </SubmitButton>
    </form>
  );
}

export function ResendConfirmationButton() {
  const trpc = useTRPC();
  const resend = useMutation(trpc.account.resendEmailConfirmation.mutationOptions());
  return (
    <div className="space-y-2">
      <button type="button" className="button-secondary" disabled={resend.isPending} aria-busy={resend.isPending || undefined} onClick={() => resend.mutate()}>
        {resend.isPending ? "Sending…" : "Send the confirmation again"}
      </button>
      <FormMessage tone="error">{resend.error?.message}</FormMessage>
      <FormMessage tone="success">{resend.data ? `We sent a new confirmation link to ${resend.data.email}. Earlier links no longer work.` : ""}</FormMessage>
    </div>
  );
}

export function ChangeEmailForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const request = useMutation(trpc.account.requestEmailChange.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(changeEmailSchema, {
    defaultValues: { email: "", currentPassword: "" },
    onSubmit: async (values) => {
      await request.mutateAsync(values);
      form.reset();
      router.refresh();
      return `We sent a confirmation link to ${values.email}. Your address changes when you follow it.`;
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <TextField label="New e-mail address" type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        error={errors.currentPassword?.message}
        {...form.register("currentPassword")}
      />
      <SubmitButton pending={form.formState.isSubmitting} className="button-secondary" pendingLabel="Changing e-mail…">
        Change e-mail
      </SubmitButton>
    </form>
  );
}

export function ChangePasswordForm() {
  const trpc = useTRPC();
  const change = useMutation(trpc.account.changePassword.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(changePasswordSchema, {
    defaultValues: { currentPassword: "", newPassword: "", newPasswordConfirmation: "" },
    onSubmit: async (values) => {
      await change.mutateAsync(values);
      form.reset();
      return "Password changed. Your other sessions have been signed out.";
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        error={errors.currentPassword?.message}
        {...form.register("currentPassword")}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${passwordMinLength} characters.`}
        error={errors.newPassword?.message}
        {...form.register("newPassword")}
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        error={errors.newPasswordConfirmation?.message}
        {...form.register("newPasswordConfirmation")}
      />
      <SubmitButton pending={form.formState.isSubmitting} className="button-secondary" pendingLabel="Changing password…">
        Change password
      </SubmitButton>
    </form>
  );
}

export function DeleteAccountForm({ username }: { username: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.account.delete.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(deleteAccountSchema, {
    defaultValues: { confirmation: "", currentPassword: "" },
    onSubmit: async (values) => {
      await remove.mutateAsync(values);
      router.replace("/");
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField
        label={`Type your username (${username}) to confirm`}
        autoComplete="off"
        error={errors.confirmation?.message}
        {...form.register("confirmation")}
      />
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        error={errors.currentPassword?.message}
        {...form.register("currentPassword")}
      />
      <SubmitButton pending={form.formState.isSubmitting} className="button-danger" pendingLabel="Deleting your account…">
        Delete my account
      </SubmitButton>
    </form>
  );
}
