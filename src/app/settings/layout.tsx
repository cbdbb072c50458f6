import Link from "next/link";
import type { ReactNode } from "react";

export default function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="space-y-6">
      <nav aria-label="Settings" className="flex gap-4 border-b border-stone-200 pb-2 text-sm">
        <Link href="/settings/account">Account</Link>
        <Link href="/settings/security">Security history</Link>
      </nav>
      {children}
    </div>
  );
}
