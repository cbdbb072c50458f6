import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { SiteSettingsForm } from "../site-settings-form";

export const metadata: Metadata = { title: "Accounts" };

export default async function AdminAccountsPage() {
  await requirePagePermission("admin:settings:update", "/admin/accounts");
  const settings = await (await getServerApi()).site.settings();
  return (
    <div className="space-y-6">
      <div>
        <h1>Accounts</h1>
        <p className="text-sm text-stone-600">Who may create an account here, and how account pictures are drawn.</p>
      </div>
      <section aria-labelledby="registration-heading" className="card space-y-4">
        <h2 id="registration-heading">Registration and account pictures</h2>
        <SiteSettingsForm settings={{ openRegistration: settings.openRegistration, gravatar: settings.gravatar === true }} />
      </section>
    </div>
  );
}
