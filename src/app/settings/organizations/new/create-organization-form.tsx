"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { organizationDashboardHref } from "@/shared/navigation";
import { createOrganizationSchema } from "@/shared/schemas/organizations";
import { useTRPC } from "@/trpc/client";

export function CreateOrganizationForm({ defaultEmail }: { defaultEmail: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.organizations.create.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(createOrganizationSchema, {
    defaultValues: { name: "", email: defaultEmail },
    onSubmit: async (values) => {
      const organization = await create.mutateAsync(values);
      router.push(`${organizationDashboardHref(organization.username)}?created=1`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField
        label="Organization name"
        autoComplete="off"
        hint="Letters, digits, hyphens (-) and underscores (_); no spaces. It is the organization's address and channel, beside people's names."
        error={errors.name?.message}
        {...form.register("name")}
      />
      <TextField
        label="E-mail address"
        type="email"
        autoComplete="email"
        hint="Where the organization can be reached."
        error={errors.email?.message}
        {...form.register("email")}
      />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Creating…">
        Create organization
      </SubmitButton>
    </form>
  );
}
