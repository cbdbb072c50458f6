import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth-card";
import { ResetPasswordForm } from "./reset-password-form";

export const metadata: Metadata = { title: "Choose a new password" };

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const token = (await searchParams).token;
  if (typeof token !== "string" || token.length === 0) {
    return (
      <AuthCard title="Choose a new password">
        <p className="text-sm">
          This page needs the link from your reset e-mail. <Link href="/forgot-password">Ask for a new link</Link>.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password" intro="Every other session of your account will be signed out.">
      <ResetPasswordForm token={token} />
    </AuthCard>
  );
}
