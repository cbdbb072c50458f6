"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { generalSettingsSchema, packageAccessValues, type GeneralSettings } from "@/shared/schemas/site-general";
import { useTRPC } from "@/trpc/client";

const accessLabels = { public: "Public: anyone can find and download them", private: "Private: only the owner and those given access" } as const;

export function GeneralSettingsForm({ settings, siteUrlFromEnvironment }: { settings: GeneralSettings; siteUrlFromEnvironment: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.siteAdmin.updateGeneralSettings.mutationOptions());
  const { form, errors, formError, success, submit } = useSubmitForm(generalSettingsSchema, {
    defaultValues: settings,
    onSubmit: async (values) => {
      await update.mutateAsync(values);
      router.refresh();
      return "Settings saved.";
    },
  });
  return (
    <form onSubmit={submit} className="space-y-4" aria-label="General settings" noValidate>
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <TextField
        id="site-url"
        label="Site URL"
        type="url"
        inputMode="url"
        placeholder="https://packages.example.com"
        autoComplete="off"
        error={errors.siteUrl?.message}
        hint={
          siteUrlFromEnvironment ? (
            <>
              Set by the environment: e-mailed links use <code className="break-all">{siteUrlFromEnvironment}</code> (PUBLIC_URL), whatever is stored here.
            </>
          ) : (
            "The address people reach this site at, used in e-mailed links. Empty: http://localhost and the port Granary listens on."
          )
        }
        {...form.register("siteUrl")}
      />
      <TextField
        id="static-url"
        label="Static URL"
        type="url"
        inputMode="url"
        placeholder="https://cdn.example.com"
        autoComplete="off"
        error={errors.staticUrl?.message}
        hint="Where clients download public package files from: a CDN or cache in front of Granary that serves Granary's own paths. The simple pages link public files there, and conda repodata names it as its base_url (repodata version 2, CEP 15). Private files are always served by Granary. Empty: Granary itself."
        {...form.register("staticUrl")}
      />
      <fieldset className="space-y-2" aria-describedby="default-access-hint">
        <legend className="text-sm font-medium">Default access of new packages</legend>
        {packageAccessValues.map((access) => (
          <label key={access} className="flex items-center gap-2 text-sm">
            <input type="radio" value={access} {...form.register("defaultPackageAccess")} />
            {accessLabels[access]}
          </label>
        ))}
        <p id="default-access-hint" className="text-sm text-stone-600">
          What a package gets when its first upload does not choose (an upload with private=1 or private=0 still decides). Existing packages keep their access.
        </p>
        {errors.defaultPackageAccess?.message ? <p className="field-error">{errors.defaultPackageAccess.message}</p> : null}
      </fieldset>
      <TextField
        id="hash-warning-percent"
        label="Hash warning threshold (%)"
        inputMode="numeric"
        autoComplete="off"
        error={errors.hashWarningPercent?.message}
        hint="Admin → Hash Warnings warns about a type of object (package files of a kind, a task's results) when fewer than this share of its objects have different content hashes."
        {...form.register("hashWarningPercent")}
      />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…">
        Save settings
      </SubmitButton>
    </form>
  );
}
