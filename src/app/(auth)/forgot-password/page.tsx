import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth-card";
import { getServerApi } from "@/trpc/server";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default async function ForgotPasswordPage() {
  const { accountType } = await (await getServerApi()).site.settings();
  if (accountType === "ldap") {
    return (
      <AuthCard title="I forgot my password">
        <div role="status" data-testid="directory-password" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Your password is your organization directory&apos;s: reset it with the directory&apos;s own process (your IT department&apos;s password
          reset page or help desk), then <Link href="/sign-in">sign in</Link> with the new one.
        </div>
        <details className="text-sm">
          <summary>A break-glass account with a local Granary password</summary>
          <div className="mt-3">
            <ForgotPasswordForm />
          </div>
        </details>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title="I forgot my password"
      intro="Enter your username or e-mail. We will e-mail a link to choose a new password; it works once and expires after 24 hours."
    >
      <ForgotPasswordForm />
    </AuthCard>
  );
}
