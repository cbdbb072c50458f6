"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { FormMessage, SubmitButton, useSubmitForm } from "@/components/form";
import { siteSettingsSchema, type SiteSettings } from "@/shared/schemas/admin";
import { useTRPC } from "@/trpc/client";

export function SiteSettingsForm({ settings }: { settings: SiteSettings }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.admin.updateSettings.mutationOptions());
  const { form, formError, success, submit } = useSubmitForm(siteSettingsSchema, {
    defaultValues: settings,
    onSubmit: async (values) => {
      await update.mutateAsync(values);
      router.refresh();
      return "Settings saved.";
    },
  });
  return (
    <form onSubmit={submit} className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <div className="flex items-start gap-2">
        <input id="open-registration" type="checkbox" className="mt-1 h-4 w-4" aria-describedby="open-registration-hint" {...form.register("openRegistration")} />
        <div>
          <label htmlFor="open-registration" className="text-sm font-medium">
            Open registration
          </label>
          <p id="open-registration-hint" className="text-sm text-stone-600">
            When off, the sign-up page says registration is closed and the server refuses sign-ups.
          </p>
        </div>
      </div>
      <div className="flex items-start gap-2">
        <input id="gravatar" type="checkbox" className="mt-1 h-4 w-4" aria-describedby="gravatar-hint" {...form.register("gravatar")} />
        <div>
          <label htmlFor="gravatar" className="text-sm font-medium">
            Account pictures from Gravatar
          </label>
          <p id="gravatar-hint" className="text-sm text-stone-600">
            When on, the top bar shows each person&apos;s Gravatar image, and every page view tells Gravatar who is reading. When off, pictures are drawn from
            the name here and nothing is fetched from a third party.
          </p>
        </div>
      </div>
      <SubmitButton pending={form.formState.isSubmitting}>Save settings</SubmitButton>
    </form>
  );
}
