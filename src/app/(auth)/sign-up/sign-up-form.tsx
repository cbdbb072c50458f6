"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { safeReturnPath, signInPath } from "@/shared/return-path";
import { passwordMinLength, signUpSchema } from "@/shared/schemas/account";
import { useTRPC } from "@/trpc/client";

export function SignUpForm({ returnTo }: { returnTo: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const signUp = useMutation(trpc.account.signUp.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(signUpSchema, {
    defaultValues: { username: "", email: "", password: "", passwordConfirmation: "", acceptTerms: false as unknown as true },
    onSubmit: async (values) => {
      await signUp.mutateAsync(values);
      router.replace(safeReturnPath(returnTo));
      router.refresh();
    },
  });

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField
        label="Username"
        autoComplete="username"
        hint="Letters, digits, hyphens and underscores."
        error={errors.username?.message}
        {...form.register("username")}
      />
      <TextField label="E-mail" type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${passwordMinLength} characters.`}
        error={errors.password?.message}
        {...form.register("password")}
      />
      <TextField
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        error={errors.passwordConfirmation?.message}
        {...form.register("passwordConfirmation")}
      />
      <div>
        <div className="flex items-start gap-2">
          <input
            id="accept-terms"
            type="checkbox"
            className="mt-1 h-4 w-4"
            aria-invalid={errors.acceptTerms ? true : undefined}
            aria-describedby={errors.acceptTerms ? "accept-terms-error" : undefined}
            {...form.register("acceptTerms")}
          />
          <label htmlFor="accept-terms" className="text-sm">
            I have read and accept the{" "}
            <Link href="/terms" target="_blank">
              Terms and Conditions
            </Link>
          </label>
        </div>
        {errors.acceptTerms ? (
          <p id="accept-terms-error" className="field-error">
            {errors.acceptTerms.message}
          </p>
        ) : null}
      </div>
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Creating your account…">Sign up</SubmitButton>
      <p className="text-sm">
        Already have an account? <Link href={signInPath(returnTo)}>Sign in</Link>
      </p>
    </form>
  );
}
