import type { ReactNode } from "react";
import { SectionNav } from "@/components/section-nav";
import { requirePagePermission } from "@/server/auth/guards";

const sections = [
  { href: "/admin", label: "General" },
  { href: "/admin/users", label: "Users" },
  { href: "/admin/organizations", label: "Organizations" },
  { href: "/admin/plans", label: "Plans" },
  { href: "/admin/outbox", label: "Outbox", includesSubpages: true },
  { href: "/admin/security-log", label: "Security log" },
  { href: "/admin/exceptions", label: "Exceptions" },
];

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requirePagePermission("admin:users:read", "/admin");
  return (
    <div className="space-y-6">
      <SectionNav label="Admin" items={sections} />
      {children}
    </div>
  );
}
