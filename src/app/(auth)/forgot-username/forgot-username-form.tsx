"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { applyServerError, FormMessage, SubmitButton, TextField, useZodForm } from "@/components/form";
import { forgotUsernameSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function ForgotUsernameForm() {
  const trpc = useTRPC();
  const form = useZodForm(forgotUsernameSchema, { defaultValues: { email: "" } });
  const [formError, setFormError] = useState("");
  const [sent, setSent] = useState(false);
  const remind = useMutation(trpc.account.remindUsername.mutationOptions());

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError("");
    try {
      await remind.mutateAsync(values);
      setSent(true);
    } catch (error) {
      setFormError(applyServerError(form, error));
    }
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
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="E-mail" type="email" autoComplete="email" error={form.formState.errors.email?.message} {...form.register("email")} />
      <SubmitButton pending={form.formState.isSubmitting}>E-mail my username</SubmitButton>
    </form>
  );
}
