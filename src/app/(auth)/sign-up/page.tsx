import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { getCurrentActor } from "@/server/auth/actor";
import { safeReturnPath, signInPath } from "@/shared/return-path";
import { getServerApi } from "@/trpc/server";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Sign up" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  if ((await getCurrentActor()).kind === "user") redirect(returnTo);
  const { openRegistration, accountType } = await (await getServerApi()).site.settings();
  if (accountType === "ldap") {
    return (
      <AuthCard title="Sign up">
        <div role="status" data-testid="registration-directory" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Accounts on this site come from your organization&apos;s directory: there is nothing to sign up for. Sign in with your directory username and
          password; your account is created the first time.
        </div>
        <p className="text-sm">
          <Link href={signInPath(returnTo)}>Sign in</Link>
        </p>
      </AuthCard>
    );
  }
  if (!openRegistration) {
    return (
      <AuthCard title="Sign up">
        <div role="status" data-testid="registration-closed" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Registration is closed on this site. Ask a site administrator to create an account for you.
        </div>
        <p className="text-sm">
          Already have an account? <Link href={signInPath(returnTo)}>Sign in</Link>
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Create your Granary account" intro="Anyone can browse and download public packages; an account lets you publish and reach private ones.">
      <SignUpForm returnTo={returnTo} />
    </AuthCard>
  );
}
