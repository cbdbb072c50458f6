"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { forgotUsernameSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function ForgotUsernameForm() {
  const trpc = useTRPC();
  const [sent, setSent] = useState(false);
  const remind = useMutation(trpc.account.remindUsername.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(forgotUsernameSchema, {
    defaultValues: { email: "" },
    onSubmit: async (values) => {
      await remind.mutateAsync(values);
      setSent(true);
    },
  });

  if (sent) {
    return (
      <div className="space-y-3">
        <FormMessage tone="success">If an account uses that address, its username is on its way there.</FormMessage>
        <Link href="/sign-in">Back to sign in</Link>
      </div>
    );
  }
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="E-mail" type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Sending…">E-mail my username</SubmitButton>
    </form>
  );
}
