import type { ReactNode } from "react";
import { DashboardNav } from "./dashboard-nav";

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <div className="grid gap-6 md:grid-cols-[14rem_1fr]">
      <DashboardNav />
      <div className="min-w-0">{children}</div>
    </div>
  );
}
