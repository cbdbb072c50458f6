import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { getCurrentActor } from "@/server/auth/actor";
import { safeReturnPath } from "@/shared/return-path";
import { getServerApi } from "@/trpc/server";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  if ((await getCurrentActor()).kind === "user") redirect(returnTo);
  const { accountType } = await (await getServerApi()).site.settings();
  return (
    <AuthCard title="Sign in to Granary" intro={accountType === "ldap" ? "Sign in with your directory username or e-mail and your directory password." : undefined}>
      <SignInForm returnTo={returnTo} offersSignUp={accountType !== "ldap"} />
    </AuthCard>
  );
}
