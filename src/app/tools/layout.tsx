import type { ReactNode } from "react";
import { ToolsNavigation } from "@/components/tools-navigation";

export default function ToolsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="grid gap-6 md:grid-cols-[14rem_1fr]">
      <ToolsNavigation placement="sidebar" />
      <div className="min-w-0">{children}</div>
    </div>
  );
}
