import Link from "next/link";
import type { ReactNode } from "react";
import { requirePagePermission } from "@/server/auth/guards";

const sections = [
  { href: "/admin", label: "General" },
  { href: "/admin/users", label: "Users" },
  { href: "/admin/outbox", label: "Outbox" },
  { href: "/admin/security-log", label: "Security log" },
  { href: "/admin/exceptions", label: "Exceptions" },
];

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requirePagePermission("admin:users:read", "/admin");
  return (
    <div className="space-y-6">
      <nav aria-label="Admin" className="flex flex-wrap gap-4 border-b border-stone-200 pb-2 text-sm">
        {sections.map((section) => (
          <Link key={section.href} href={section.href}>
            {section.label}
          </Link>
        ))}
      </nav>
      {children}
    </div>
  );
}
