import type { Metadata } from "next";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { DateTime } from "@/components/date-time";
import { ChangeEmailForm, ChangePasswordForm, DeleteAccountForm, ProfileForm, ResendConfirmationButton } from "./forms";

export const metadata: Metadata = { title: "Account settings" };

export default async function AccountSettingsPage() {
  await requireSignedIn("/settings/account");
  const account = await (await getServerApi()).account.get();
  return (
    <div className="space-y-6">
      <h1>Account settings</h1>
      <section aria-labelledby="profile-heading" className="card space-y-4">
        <h2 id="profile-heading">Profile</h2>
        <p className="text-sm text-stone-600">
          Username: <strong>{account.username}</strong>
        </p>
        <ProfileForm name={account.name ?? ""} />
      </section>
      <section aria-labelledby="email-heading" className="card space-y-4">
        <h2 id="email-heading">E-mail address</h2>
        <p className="text-sm text-stone-600">
          Currently <strong data-testid="current-email">{account.email}</strong>.
          {account.pendingEmail ? ` A confirmation link was sent to ${account.pendingEmail}; the change takes effect when it is followed.` : ""}
        </p>
        {account.emailConfirmedAt ? (
          <p className="text-sm text-stone-700" data-testid="email-status">
            <span aria-hidden="true" className="text-brand-700">
              ✓
            </span>{" "}
            Confirmed on <DateTime value={account.emailConfirmedAt} />.
          </p>
        ) : (
          <div className="space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3">
            <p className="text-sm text-amber-900" data-testid="email-status">
              Not confirmed yet: follow the link we e-mailed to {account.email}, so the address can be trusted to recover your account.
            </p>
            <ResendConfirmationButton />
          </div>
        )}
        <ChangeEmailForm />
      </section>
      <section aria-labelledby="password-heading" className="card space-y-4">
        <h2 id="password-heading">Password</h2>
        <p className="text-sm text-stone-600">Changing it signs out every other session of your account.</p>
        <ChangePasswordForm />
      </section>
      <section aria-labelledby="delete-heading" className="card space-y-4 border-red-200">
        <h2 id="delete-heading">Delete account</h2>
        <p className="text-sm text-stone-600">
          This removes your account for good. It cannot be undone. An organization you are the only owner of needs another owner first, or to be
          deleted.
        </p>
        <DeleteAccountForm username={account.username} />
      </section>
    </div>
  );
}
