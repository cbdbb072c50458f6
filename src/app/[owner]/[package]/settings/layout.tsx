import Link from "next/link";
import type { ReactNode } from "react";
import { PrivateBadge } from "@/components/package-list";
import { SectionNav } from "@/components/section-nav";
import { getServerApi, nullWhenMissing } from "@/trpc/server";

export default async function PackageSettingsLayout({ children, params }: { children: ReactNode; params: Promise<{ owner: string; package: string }> }) {
  const { owner, package: name } = await params;
  const pkg = await (await getServerApi()).packages.get({ owner: decodeURIComponent(owner), name: decodeURIComponent(name) }).catch(nullWhenMissing);
  // The pages themselves answer 404 (or send visitors to sign in) when the package cannot be administered.
  if (!pkg?.access.can.manageCollaborators) return children;
  const base = `/${encodeURIComponent(pkg.owner)}/${encodeURIComponent(pkg.name)}`;
  return (
    <div className="space-y-6">
      <p className="flex flex-wrap items-center gap-2 text-sm">
        <Link href={`/${encodeURIComponent(pkg.owner)}`}>{pkg.owner}</Link> / <Link href={base}>{pkg.name}</Link>
        {pkg.isPrivate ? <PrivateBadge /> : null}
        <span className="text-stone-600">· Package settings</span>
      </p>
      <SectionNav
        label="Package settings"
        items={[
          { href: `${base}/settings/collaborators`, label: "Collaborators" },
          { href: `${base}/settings/admin`, label: "Admin" },
        ]}
      />
      {children}
    </div>
  );
}
