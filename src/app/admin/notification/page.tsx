import type { Metadata } from "next";
import { getServerApi } from "@/trpc/server";
import { MailSettingsForm, TestEmailForm } from "./mail-forms";

export const metadata: Metadata = { title: "Notification" };

export default async function NotificationPage() {
  const settings = await (await getServerApi()).mailSettings.get();
  return (
    <div className="space-y-6">
      <div>
        <h1>Notification</h1>
        <p className="text-sm text-stone-600">
          How Granary sends e-mail (sign-up confirmations, password resets, notices, the daily report). Off keeps every message in the outbox, where
          administrators can read it. A change applies to the next e-mail.
        </p>
      </div>
      {settings.environment ? (
        <section aria-labelledby="environment-heading" className="card space-y-2" data-testid="mail-environment">
          <h2 id="environment-heading" className="text-base font-semibold">
            Set by the environment
          </h2>
          <p className="text-sm text-stone-700">
            The server&apos;s environment sets how mail is sent ({settings.environment.transport === "smtp" ? "SMTP_HOST" : "RESEND_API_KEY"}), and it wins over this
            page. Change it there and restart.
          </p>
          <dl className="grid gap-1 text-sm sm:grid-cols-[max-content_1fr] sm:gap-x-4">
            <dt className="text-stone-600">Transport</dt>
            <dd>{settings.environment.transport === "smtp" ? "SMTP" : "Resend"}</dd>
            {settings.environment.transport === "smtp" ? (
              <>
                <dt className="text-stone-600">Server</dt>
                <dd className="break-all">
                  {settings.environment.host}:{settings.environment.port}
                </dd>
                <dt className="text-stone-600">Username</dt>
                <dd>{settings.environment.username ?? "none"}</dd>
              </>
            ) : (
              <>
                <dt className="text-stone-600">API key</dt>
                <dd>******</dd>
              </>
            )}
            <dt className="text-stone-600">From</dt>
            <dd className="break-all">{settings.environment.from}</dd>
          </dl>
        </section>
      ) : (
        <section aria-labelledby="settings-heading" className="card space-y-3">
          <h2 id="settings-heading" className="text-base font-semibold">
            Mail settings
          </h2>
          <MailSettingsForm settings={settings} />
        </section>
      )}
      <section aria-labelledby="test-heading" className="card space-y-3">
        <h2 id="test-heading" className="text-base font-semibold">
          Send a test e-mail
        </h2>
        <p className="text-sm text-stone-600">Sends a message now with the saved settings and shows what the mail server answered.</p>
        <TestEmailForm />
      </section>
    </div>
  );
}
