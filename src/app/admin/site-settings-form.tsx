"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { applyServerError, FormMessage, SubmitButton, useZodForm } from "@/components/form";
import { siteSettingsSchema, type SiteSettings } from "@/shared/schemas/admin";
import { useTRPC } from "@/trpc/client";

export function SiteSettingsForm({ settings }: { settings: SiteSettings }) {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useZodForm(siteSettingsSchema, { defaultValues: settings });
  const [formError, setFormError] = useState("");
  const [saved, setSaved] = useState("");
  const update = useMutation(trpc.admin.updateSettings.mutationOptions());
  const onSubmit = form.handleSubmit(async (values) => {
    setFormError("");
    setSaved("");
    try {
      await update.mutateAsync(values);
      setSaved("Settings saved.");
      router.refresh();
    } catch (error) {
      setFormError(applyServerError(form, error));
    }
  });
  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{saved}</FormMessage>
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
      <SubmitButton pending={form.formState.isSubmitting}>Save settings</SubmitButton>
    </form>
  );
}
