"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { passwordMinLength, resetPasswordSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function ResetPasswordForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const [done, setDone] = useState(false);
  const reset = useMutation(trpc.account.resetPassword.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(resetPasswordSchema, {
    defaultValues: { token, password: "", passwordConfirmation: "" },
    onSubmit: async (values) => {
      await reset.mutateAsync(values);
      setDone(true);
    },
  });

  if (done) {
    return (
      <div className="space-y-3">
        <FormMessage tone="success">Your password has been changed. Sign in with the new one.</FormMessage>
        <Link href="/sign-in" className="button">
          Sign in
        </Link>
      </div>
    );
  }
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      {/* The token is a hidden field: its error belongs to the form. */}
      <FormMessage tone="error">{formError || errors.token?.message}</FormMessage>
      <input type="hidden" {...form.register("token")} />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${passwordMinLength} characters.`}
        error={errors.password?.message}
        {...form.register("password")}
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        error={errors.passwordConfirmation?.message}
        {...form.register("passwordConfirmation")}
      />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Changing password…">Change password</SubmitButton>
    </form>
  );
}
