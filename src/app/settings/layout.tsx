import type { ReactNode } from "react";
import { SectionNav } from "@/components/section-nav";
import { getCurrentActor } from "@/server/auth/actor";

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const actor = await getCurrentActor();
  return (
    <div className="space-y-6">
      <SectionNav
        label="Settings"
        items={[
          { href: "/settings/account", label: "Account" },
          { href: "/settings/organizations", label: "Organizations", includesSubpages: true },
          { href: "/settings/billing", label: "Billing" },
          { href: "/settings/security", label: "Security" },
          ...(actor.kind === "user" ? [{ href: `/${actor.user.username}/settings/access`, label: "Access tokens" }] : []),
        ]}
      />
      {children}
    </div>
  );
}
