import type { Metadata } from "next";

export const metadata: Metadata = { title: "Terms and Conditions" };

export default function TermsPage() {
  return (
    <article className="card mx-auto max-w-3xl space-y-4">
      <h1>Terms and Conditions</h1>
      <p>
        This Granary site is run by your organization. By creating an account you agree to use it for your work, to publish only content
        you have the right to share, and to keep your password and access tokens secret.
      </p>
      <p>
        The site keeps a security history of your account (sign-ins, password and e-mail changes, with the address and browser they came
        from) so that you and the administrators can spot misuse. Administrators can deactivate accounts that break these terms.
      </p>
      <p>You can delete your account at any time from your account settings.</p>
    </article>
  );
}
