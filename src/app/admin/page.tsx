import type { Metadata } from "next";
import { getServerApi } from "@/trpc/server";
import { LdapSettingsForm } from "./ldap-settings-form";
import { SiteSettingsForm } from "./site-settings-form";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminGeneralPage() {
  const api = await getServerApi();
  const [settings, ldap] = await Promise.all([api.site.settings(), api.admin.ldapSettings()]);
  return (
    <div className="space-y-6">
      <h1>Site administration</h1>
      <section aria-labelledby="registration-heading" className="card space-y-4">
        <h2 id="registration-heading">Registration and account pictures</h2>
        <SiteSettingsForm settings={{ openRegistration: settings.openRegistration, gravatar: settings.gravatar === true }} />
      </section>
      <section aria-labelledby="account-type-heading" className="card space-y-4">
        <h2 id="account-type-heading">Account type</h2>
        <LdapSettingsForm settings={ldap} />
      </section>
    </div>
  );
}
