"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { mailModeLabels, mailModes, mailSettingsSchema, sendTestEmailSchema, smtpTlsLabels, smtpTlsModes, type MailSettingsView } from "@/shared/schemas/mail-settings";
import { useTRPC } from "@/trpc/client";

/** Off, Resend or SMTP; secrets are never shown: an empty field keeps the stored one. */
export function MailSettingsForm({ settings }: { settings: MailSettingsView }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.mailSettings.update.mutationOptions());
  const [saved, setSaved] = useState(settings);
  const { form, errors, formError, success, submit } = useSubmitForm(mailSettingsSchema, {
    defaultValues: {
      mode: settings.mode,
      resendApiKey: "",
      smtpHost: settings.smtpHost,
      smtpPort: settings.smtpPort,
      smtpUsername: settings.smtpUsername,
      smtpPassword: "",
      clearSmtpPassword: false,
      smtpTls: settings.smtpTls,
      fromAddress: settings.fromAddress,
    },
    onSubmit: async (values) => {
      const after = await update.mutateAsync(values);
      setSaved(after);
      form.reset({ ...values, resendApiKey: "", smtpPassword: "", clearSmtpPassword: false });
      router.refresh();
      return "Mail settings saved. The next e-mail uses them.";
    },
  });
  const mode = form.watch("mode");
  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <FormMessage tone="error">{formError}</FormMessage>
      <FormMessage tone="success">{success}</FormMessage>
      <fieldset className="space-y-2">
        <legend className="label">Send e-mail through</legend>
        {mailModes.map((option) => (
          <div key={option} className="flex items-center gap-2">
            <input id={`mail-mode-${option}`} type="radio" value={option} className="h-4 w-4" {...form.register("mode")} />
            <label htmlFor={`mail-mode-${option}`} className="text-sm">
              {mailModeLabels[option]}
            </label>
          </div>
        ))}
      </fieldset>
      {mode === "resend" ? (
        <TextField
          label="Resend API key"
          type="password"
          autoComplete="off"
          placeholder={saved.resendApiKeySet ? "Set (leave empty to keep it)" : "re_..."}
          hint={saved.resendApiKeySet ? "A key is set. Type a new one to replace it, or leave this empty to keep it." : "From resend.com → API Keys."}
          error={errors.resendApiKey?.message}
          {...form.register("resendApiKey")}
        />
      ) : null}
      {mode === "smtp" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Hostname" autoComplete="off" placeholder="mail.example.org" error={errors.smtpHost?.message} {...form.register("smtpHost")} />
          <TextField label="Port" inputMode="numeric" error={errors.smtpPort?.message} {...form.register("smtpPort")} />
          <TextField label="Username (optional)" autoComplete="off" error={errors.smtpUsername?.message} {...form.register("smtpUsername")} />
          <div className="space-y-1">
            <TextField
              label="Password (optional)"
              type="password"
              autoComplete="new-password"
              placeholder={saved.smtpPasswordSet ? "Set (leave empty to keep it)" : ""}
              hint={saved.smtpPasswordSet ? "A password is set; leave this empty to keep it." : undefined}
              error={errors.smtpPassword?.message}
              {...form.register("smtpPassword")}
            />
            {saved.smtpPasswordSet ? (
              <div className="flex items-center gap-2">
                <input id="clear-smtp-password" type="checkbox" className="h-4 w-4" {...form.register("clearSmtpPassword")} />
                <label htmlFor="clear-smtp-password" className="text-sm">
                  Remove the stored password
                </label>
              </div>
            ) : null}
          </div>
          <div className="sm:col-span-2">
            <label htmlFor="smtp-tls" className="label">
              TLS
            </label>
            <select id="smtp-tls" className="input" {...form.register("smtpTls")}>
              {smtpTlsModes.map((option) => (
                <option key={option} value={option}>
                  {smtpTlsLabels[option]}
                </option>
              ))}
            </select>
          </div>
        </div>
      ) : null}
      {mode !== "off" ? (
        <TextField
          label="From address (optional)"
          autoComplete="off"
          placeholder={settings.defaultFrom}
          hint={`Empty: ${settings.defaultFrom} (MAIL_FROM).`}
          error={errors.fromAddress?.message}
          {...form.register("fromAddress")}
        />
      ) : null}
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…">
        Update
      </SubmitButton>
    </form>
  );
}

/** Sends a test now and shows the mail server's answer, whether it accepted or refused. */
export function TestEmailForm() {
  const trpc = useTRPC();
  const sendTest = useMutation(trpc.mailSettings.sendTest.mutationOptions());
  const [answer, setAnswer] = useState<{ ok: boolean; to: string; transport: string; reply: string } | null>(null);
  const { form, errors, formError, submit } = useSubmitForm(sendTestEmailSchema, {
    defaultValues: { to: "" },
    onSubmit: async (values) => {
      setAnswer(null);
      setAnswer(await sendTest.mutateAsync(values));
    },
  });
  return (
    <form onSubmit={submit} className="space-y-3" noValidate>
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="Send to (optional)" type="email" autoComplete="email" hint="Empty: your own address." error={errors.to?.message} {...form.register("to")} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Sending…" className="button-secondary">
        Send a test e-mail
      </SubmitButton>
      {answer ? (
        <div
          role="status"
          data-testid="test-email-result"
          data-ok={answer.ok ? "true" : "false"}
          className={`rounded-md border px-3 py-2 text-sm ${answer.ok ? "border-brand-100 bg-brand-50 text-brand-800" : "border-red-200 bg-red-50 text-red-800"}`}
        >
          <p className="font-medium">
            {answer.ok ? "Sent" : "Not sent"} to {answer.to} through {answer.transport}.
          </p>
          <p className="break-words">
            The server answered: <code>{answer.reply}</code>
          </p>
        </div>
      ) : null}
    </form>
  );
}
