import type { Metadata } from "next";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { ChangeEmailForm, ChangePasswordForm, DeleteAccountForm, ProfileForm } from "./forms";

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
        <ChangeEmailForm />
      </section>
      <section aria-labelledby="password-heading" className="card space-y-4">
        <h2 id="password-heading">Password</h2>
        <p className="text-sm text-stone-600">Changing it signs out every other session of your account.</p>
        <ChangePasswordForm />
      </section>
      <section aria-labelledby="delete-heading" className="card space-y-4 border-red-200">
        <h2 id="delete-heading">Delete account</h2>
        <p className="text-sm text-stone-600">This removes your account for good. It cannot be undone.</p>
        <DeleteAccountForm username={account.username} />
      </section>
    </div>
  );
}
