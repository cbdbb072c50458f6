import Link from "next/link";
import type { ReactNode } from "react";
import { getCurrentActor } from "@/server/auth/actor";

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const actor = await getCurrentActor();
  return (
    <div className="space-y-6">
      <nav aria-label="Settings" className="flex gap-4 border-b border-stone-200 pb-2 text-sm">
        <Link href="/settings/account">Account</Link>
        <Link href="/settings/security">Security</Link>
        {actor.kind === "user" ? <Link href={`/${actor.user.username}/settings/access`}>Access tokens</Link> : null}
      </nav>
      {children}
    </div>
  );
}
