import type { Metadata } from "next";
import { AuthCard } from "@/components/auth-card";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <AuthCard
      title="I forgot my password"
      intro="Enter your username or e-mail. We will e-mail a link to choose a new password; it works once and expires after 24 hours."
    >
      <ForgotPasswordForm />
    </AuthCard>
  );
}
