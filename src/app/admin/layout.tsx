import type { ReactNode } from "react";
import { AdminMenu } from "@/components/admin-menu";
import { requirePagePermission } from "@/server/auth/guards";
import { can } from "@/server/authz";
import { visibleAdminMenu } from "@/shared/admin-navigation";
import { StorageFullBanner } from "../storage-full-banner";
import { LicenseBanners } from "./license-banners";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const actor = await requirePagePermission("admin:users:read", "/admin");
  return (
    <div className="flex flex-col gap-6 md:flex-row md:items-start">
      <AdminMenu groups={visibleAdminMenu((permission) => can(actor, permission))} />
      <div className="min-w-0 flex-1">
        <StorageFullBanner />
        <LicenseBanners />
        {children}
      </div>
    </div>
  );
}
