"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { forgotPasswordSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function ForgotPasswordForm() {
  const trpc = useTRPC();
  const [sent, setSent] = useState(false);
  const requestReset = useMutation(trpc.account.requestPasswordReset.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(forgotPasswordSchema, {
    defaultValues: { login: "" },
    onSubmit: async (values) => {
      await requestReset.mutateAsync(values);
      setSent(true);
    },
  });

  if (sent) {
    return (
      <div className="space-y-3">
        <FormMessage tone="success">If that account exists, a link to reset its password is on its way to its e-mail address.</FormMessage>
        <Link href="/sign-in">Back to sign in</Link>
      </div>
    );
  }
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="Username or e-mail" autoComplete="username" error={errors.login?.message} {...form.register("login")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Sending…">E-mail me a reset link</SubmitButton>
    </form>
  );
}
