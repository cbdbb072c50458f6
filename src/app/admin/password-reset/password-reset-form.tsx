"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { passwordResetLinkSchema } from "@/shared/schemas/admin-people";
import { useTRPC } from "@/trpc/client";
import { ResetLink } from "../users/reset-link";

/** Seed 000's Password Reset: a username, Generate URL, and the link to hand over. */
export function PasswordResetForm({ initialUsername = "" }: { initialUsername?: string }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.adminPeople.createPasswordResetLink.mutationOptions());
  const [link, setLink] = useState<{ username: string; url: string; expiresAt: Date } | null>(null);
  const { form, errors, formError, submit } = useSubmitForm(passwordResetLinkSchema, {
    defaultValues: { username: initialUsername },
    onSubmit: async (values) => {
      setLink(null);
      setLink(await create.mutateAsync(values));
    },
  });
  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="max-w-md space-y-4" noValidate>
        <FormMessage tone="error">{formError}</FormMessage>
        <TextField
          label="Username"
          autoComplete="off"
          spellCheck={false}
          hint="The account that needs a new password."
          error={errors.username?.message}
          {...form.register("username")}
        />
        <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Generating…">
          Generate URL
        </SubmitButton>
      </form>
      {link ? <ResetLink username={link.username} url={link.url} expiresAt={link.expiresAt} /> : null}
    </div>
  );
}
