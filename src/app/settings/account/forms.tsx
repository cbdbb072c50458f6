"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { applyServerError, FormMessage, SubmitButton, TextField, useZodForm } from "@/components/form";
import { changeEmailSchema, changePasswordSchema, deleteAccountSchema, passwordMinLength, updateProfileSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

/** Runs a submit, turning a failure into field errors plus a form-level message. */
function useSubmitState() {
  const [formError, setFormError] = useState("");
  const [success, setSuccess] = useState("");
  return { formError, setFormError, success, setSuccess };
}

export function ProfileForm({ name }: { name: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useZodForm(updateProfileSchema, { defaultValues: { name } });
  const state = useSubmitState();
  const update = useMutation(trpc.account.updateProfile.mutationOptions());
  const onSubmit = form.handleSubmit(async (values) => {
    state.setFormError("");
    state.setSuccess("");
    try {
      await update.mutateAsync(values);
      state.setSuccess("Profile saved.");
      router.refresh();
    } catch (error) {
      state.setFormError(applyServerError(form, error));
    }
  });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormMessage tone="error">{state.formError}</FormMessage>
      <FormMessage tone="success">{state.success}</FormMessage>
      <TextField label="Display name" autoComplete="name" error={form.formState.errors.name?.message} {...form.register("name")} />
      <SubmitButton pending={form.formState.isSubmitting} className="button-secondary">
        Save profile
      </SubmitButton>
    </form>
  );
}

export function ChangeEmailForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useZodForm(changeEmailSchema, { defaultValues: { email: "", currentPassword: "" } });
  const state = useSubmitState();
  const request = useMutation(trpc.account.requestEmailChange.mutationOptions());
  const { errors } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    state.setFormError("");
    state.setSuccess("");
    try {
      await request.mutateAsync(values);
      state.setSuccess(`We sent a confirmation link to ${values.email}. Your address changes when you follow it.`);
      form.reset();
      router.refresh();
    } catch (error) {
      state.setFormError(applyServerError(form, error));
    }
  });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormMessage tone="error">{state.formError}</FormMessage>
      <FormMessage tone="success">{state.success}</FormMessage>
      <TextField label="New e-mail address" type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        error={errors.currentPassword?.message}
        {...form.register("currentPassword")}
      />
      <SubmitButton pending={form.formState.isSubmitting} className="button-secondary">
        Change e-mail
      </SubmitButton>
    </form>
  );
}

export function ChangePasswordForm() {
  const trpc = useTRPC();
  const form = useZodForm(changePasswordSchema, { defaultValues: { currentPassword: "", newPassword: "", newPasswordConfirmation: "" } });
  const state = useSubmitState();
  const change = useMutation(trpc.account.changePassword.mutationOptions());
  const { errors } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    state.setFormError("");
    state.setSuccess("");
    try {
      await change.mutateAsync(values);
      state.setSuccess("Password changed. Your other sessions have been signed out.");
      form.reset();
    } catch (error) {
      state.setFormError(applyServerError(form, error));
    }
  });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormMessage tone="error">{state.formError}</FormMessage>
      <FormMessage tone="success">{state.success}</FormMessage>
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
      <SubmitButton pending={form.formState.isSubmitting} className="button-secondary">
        Change password
      </SubmitButton>
    </form>
  );
}

export function DeleteAccountForm({ username }: { username: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useZodForm(deleteAccountSchema, { defaultValues: { confirmation: "", currentPassword: "" } });
  const state = useSubmitState();
  const remove = useMutation(trpc.account.delete.mutationOptions());
  const { errors } = form.formState;
  const onSubmit = form.handleSubmit(async (values) => {
    state.setFormError("");
    try {
      await remove.mutateAsync(values);
      router.replace("/");
      router.refresh();
    } catch (error) {
      state.setFormError(applyServerError(form, error));
    }
  });
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormMessage tone="error">{state.formError}</FormMessage>
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
      <SubmitButton pending={form.formState.isSubmitting} className="button-danger">
        Delete my account
      </SubmitButton>
    </form>
  );
}
