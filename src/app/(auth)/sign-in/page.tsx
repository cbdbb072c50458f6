import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth-card";
import { getCurrentActor } from "@/server/auth/actor";
import { safeReturnPath } from "@/shared/return-path";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const returnTo = safeReturnPath((await searchParams).next);
  if ((await getCurrentActor()).kind === "user") redirect(returnTo);
  return (
    <AuthCard title="Sign in to Granary">
      <SignInForm returnTo={returnTo} />
    </AuthCard>
  );
}
