import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { PasswordResetForm } from "./password-reset-form";

export const metadata: Metadata = { title: "Password reset" };

export default async function PasswordResetPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePagePermission("admin:users:update", "/admin/password-reset");
  const username = (await searchParams).username;
  return (
    <div className="space-y-4">
      <div>
        <h1>Password reset</h1>
        <p className="max-w-2xl text-sm text-stone-600">
          Enter the username of the person who needs a new password and generate a link to send them. It opens the ordinary reset page, works once and
          for 24 hours, and ends the reset links they were sent before. Each link made here is in the Security Log.
        </p>
      </div>
      <PasswordResetForm initialUsername={typeof username === "string" ? username.slice(0, 100) : ""} />
    </div>
  );
}
