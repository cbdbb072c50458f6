import Link from "next/link";
import type { ReactNode } from "react";
import { OwnerAvatar } from "@/components/owner-avatar";
import { SectionNav } from "@/components/section-nav";
import { organizationDashboardHref, organizationSettingsSections } from "@/shared/navigation";
import { getServerApi, nullWhenMissing } from "@/trpc/server";

/**
 * An organization's settings share a header and tabs; a person's (their access tokens) do not: they belong to the
 * account's own settings.
 */
export default async function OwnerSettingsLayout({ children, params }: { children: ReactNode; params: Promise<{ owner: string }> }) {
  const name = decodeURIComponent((await params).owner);
  const organization = await (await getServerApi()).organizations.get({ organization: name }).catch(nullWhenMissing);
  if (!organization?.standing) return children;
  return (
    <div className="space-y-6">
      <div className="flex items-center gap-3">
        <OwnerAvatar name={organization.username} kind="organization" size={40} />
        <div className="min-w-0">
          <p className="text-sm text-stone-600">
            <Link href={organizationDashboardHref(organization.username)}>{organization.username}</Link> · Organization settings
          </p>
        </div>
      </div>
      <SectionNav label="Organization settings" items={organizationSettingsSections(organization.username)} />
      {children}
    </div>
  );
}
