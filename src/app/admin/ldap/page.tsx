import type { Metadata } from "next";
import Link from "next/link";
import { getServerApi } from "@/trpc/server";
import { DirectoryGroupMappings, LocalPasswordAccounts } from "./ldap-forms";

export const metadata: Metadata = { title: "LDAP groups and break-glass accounts" };

export default async function AdminLdapPage() {
  const api = await getServerApi();
  const [mappings, localAccounts, settings] = await Promise.all([api.admin.listDirectoryGroupMappings(), api.admin.listLocalPasswordAccounts(), api.site.settings()]);
  return (
    <div className="space-y-6">
      <div>
        <h1>LDAP groups and break-glass accounts</h1>
        <p className="max-w-3xl text-sm text-stone-600">
          Accounts come from {settings.accountType === "ldap" ? "the LDAP directory" : "Granary itself (the directory is not in use)"}; change that under{" "}
          <Link href="/admin">General → Account type</Link>.
        </p>
      </div>
      <section aria-labelledby="mappings-heading" className="card space-y-3">
        <h2 id="mappings-heading">Directory groups</h2>
        <p className="text-sm text-stone-600">
          At each sign-in, and in the daily check, a directory account is a member of a mapped organization group exactly while the directory lists it
          in the directory group: added when it appears there, removed when it goes. Groups without a mapping are left alone.
        </p>
        <DirectoryGroupMappings mappings={mappings} />
      </section>
      <section aria-labelledby="local-heading" className="card space-y-3">
        <h2 id="local-heading">Break-glass accounts</h2>
        <p className="text-sm text-stone-600">
          These accounts sign in with their local password even while accounts come from the directory, so a broken directory never locks everyone out.
        </p>
        <LocalPasswordAccounts accounts={localAccounts} />
      </section>
    </div>
  );
}
