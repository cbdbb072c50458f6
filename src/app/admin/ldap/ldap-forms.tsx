"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { directoryGroupMappingSchema, keepsLocalPasswordSchema } from "@/shared/schemas/ldap";
import { useTRPC } from "@/trpc/client";

interface Mapping {
  id: string;
  directoryGroupDn: string;
  organization: string;
  group: string;
}

export function DirectoryGroupMappings({ mappings }: { mappings: Mapping[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.admin.createDirectoryGroupMapping.mutationOptions());
  const remove = useMutation(trpc.admin.deleteDirectoryGroupMapping.mutationOptions());
  const [removeError, setRemoveError] = useState("");
  const { form, errors, formError, success, submit } = useSubmitForm(directoryGroupMappingSchema, {
    defaultValues: { directoryGroupDn: "", organization: "", group: "" },
    onSubmit: async (values) => {
      const mapping = await create.mutateAsync(values);
      form.reset();
      router.refresh();
      return `${mapping.directoryGroupDn} now maps to ${mapping.organization}/${mapping.group}.`;
    },
  });
  return (
    <div className="space-y-4">
      {mappings.length === 0 ? (
        <p className="text-sm text-stone-600">No directory group is mapped yet.</p>
      ) : (
        <ul className="divide-y divide-stone-200" aria-label="Mapped directory groups">
          {mappings.map((mapping) => (
            <li key={mapping.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
              <span className="break-all">
                <span className="font-mono text-xs">{mapping.directoryGroupDn}</span> → {mapping.organization}/{mapping.group}
              </span>
              <button
                type="button"
                className="button-secondary"
                aria-label={`Remove the mapping of ${mapping.directoryGroupDn} to ${mapping.organization}/${mapping.group}`}
                disabled={remove.isPending}
                onClick={async () => {
                  setRemoveError("");
                  try {
                    await remove.mutateAsync({ id: mapping.id });
                    router.refresh();
                  } catch (error) {
                    setRemoveError(error instanceof Error ? error.message : "The mapping could not be removed.");
                  }
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <FormMessage tone="error">{removeError}</FormMessage>
      <form onSubmit={submit} className="space-y-3" aria-label="Map a directory group">
        <FormMessage tone="error">{formError}</FormMessage>
        <FormMessage tone="success">{success}</FormMessage>
        <TextField label="Directory group DN" placeholder="cn=data-science,ou=groups,dc=example,dc=com" error={errors.directoryGroupDn?.message} {...form.register("directoryGroupDn")} />
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField label="Organization" error={errors.organization?.message} {...form.register("organization")} />
          <TextField label="Organization group" error={errors.group?.message} {...form.register("group")} />
        </div>
        <SubmitButton pending={form.formState.isSubmitting}>Map the group</SubmitButton>
      </form>
    </div>
  );
}

interface LocalAccount {
  id: string;
  username: string;
  isSiteAdmin: boolean;
  isActive: boolean;
}

export function LocalPasswordAccounts({ accounts }: { accounts: LocalAccount[] }) {
  const trpc = useTRPC();
  const router = useRouter();
  const mark = useMutation(trpc.admin.setKeepsLocalPassword.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(keepsLocalPasswordSchema, {
    defaultValues: { username: "", keepsLocalPassword: true },
    onSubmit: async (values) => {
      const result = await mark.mutateAsync(values);
      form.reset({ username: "", keepsLocalPassword: true });
      router.refresh();
      return result.keepsLocalPassword ? `${result.username} keeps its local password.` : `${result.username} signs in through the directory.`;
    },
  });
  return (
    <div className="space-y-4">
      <ul className="divide-y divide-stone-200" aria-label="Break-glass accounts">
        {accounts.map((account) => (
          <li key={account.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
            <span>
              {account.username}
              {account.isSiteAdmin ? " (site administrator)" : ""}
              {account.isActive ? "" : " (deactivated)"}
            </span>
            <button
              type="button"
              className="button-secondary"
              onClick={async () => {
                await mark.mutateAsync({ username: account.username, keepsLocalPassword: false });
                router.refresh();
              }}
            >
              Stop keeping its local password
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2" aria-label="Keep an account's local password">
        <div className="grow">
          <TextField label="Username" error={errors.username?.message} {...form.register("username")} />
        </div>
        <SubmitButton pending={form.formState.isSubmitting}>Keep its local password</SubmitButton>
      </form>
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
    </div>
  );
}
