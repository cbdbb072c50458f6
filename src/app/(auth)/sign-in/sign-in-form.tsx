"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { safeReturnPath, signUpPath } from "@/shared/return-path";
import { signInSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function SignInForm({ returnTo, offersSignUp }: { returnTo: string; offersSignUp: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const signIn = useMutation(trpc.account.signIn.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(signInSchema, {
    defaultValues: { login: "", password: "" },
    onSubmit: async (values) => {
      await signIn.mutateAsync(values);
      router.replace(safeReturnPath(returnTo));
      router.refresh();
    },
  });

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="Username or e-mail" autoComplete="username" error={errors.login?.message} {...form.register("login")} />
      <TextField label="Password" type="password" autoComplete="current-password" error={errors.password?.message} {...form.register("password")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Signing in…">Sign in</SubmitButton>
      <ul className="space-y-1 text-sm">
        <li>
          <Link href="/forgot-username">I forgot my username</Link>
        </li>
        <li>
          <Link href="/forgot-password">I forgot my password</Link>
        </li>
        {offersSignUp ? (
          <li>
            No account? <Link href={signUpPath(returnTo)}>Sign up</Link>
          </li>
        ) : null}
      </ul>
    </form>
  );
}
