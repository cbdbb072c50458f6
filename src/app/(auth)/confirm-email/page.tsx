import type { Metadata } from "next";
import { AuthCard } from "@/components/auth-card";
import { ConfirmEmail } from "./confirm-email";

export const metadata: Metadata = { title: "Confirm your e-mail address" };

export default async function ConfirmEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const token = (await searchParams).token;
  return (
    <AuthCard title="Confirm your e-mail address">
      <ConfirmEmail token={typeof token === "string" ? token : ""} />
    </AuthCard>
  );
}
