import type { Metadata } from "next";
import Link from "next/link";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { SettingsTable } from "./effective-configuration";
import { GeneralSettingsForm } from "./general-settings-form";
import { LdapSettingsForm } from "./ldap-settings-form";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminGeneralPage() {
  await requirePagePermission("admin:settings:update", "/admin");
  const api = await getServerApi();
  const [general, ldap, configuration] = await Promise.all([api.siteAdmin.generalSettings(), api.admin.ldapSettings(), api.siteAdmin.effectiveConfiguration()]);
  const { siteUrlFromEnvironment, effectiveSiteUrl: _effective, ...settings } = general;
  return (
    <div className="space-y-6">
      <div>
        <h1>Site administration</h1>
        <p className="text-sm text-stone-600">
          General settings of the site. Open registration and account pictures are under <Link href="/admin/accounts">Accounts</Link>.
        </p>
      </div>
      <section aria-labelledby="general-heading" className="card space-y-4">
        <h2 id="general-heading">Addresses and new packages</h2>
        <GeneralSettingsForm settings={settings} siteUrlFromEnvironment={siteUrlFromEnvironment} />
      </section>
      <section aria-labelledby="account-type-heading" className="card space-y-4">
        <h2 id="account-type-heading">Account type</h2>
        <LdapSettingsForm settings={ldap} />
      </section>
      <section aria-labelledby="effective-configuration-heading" className="space-y-3">
        <div>
          <h2 id="effective-configuration-heading">Effective configuration</h2>
          <p className="text-sm text-stone-600">
            Every setting as this server runs with it, and where its value comes from: the environment (src/env.ts, see the README), the database (set on
            these pages) or the default. Secrets are masked.
          </p>
        </div>
        <SettingsTable caption="Environment" settings={configuration.environment} testId="effective-environment" />
        <SettingsTable caption="Stored site settings" settings={configuration.stored} testId="effective-stored" />
      </section>
    </div>
  );
}
