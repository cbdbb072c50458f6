import type { Metadata } from "next";
import { AuthCard } from "@/components/auth-card";
import { ForgotUsernameForm } from "./forgot-username-form";

export const metadata: Metadata = { title: "Forgot username" };

export default function ForgotUsernamePage() {
  return (
    <AuthCard title="I forgot my username" intro="Enter the e-mail address of your account and we will e-mail your username to it.">
      <ForgotUsernameForm />
    </AuthCard>
  );
}
