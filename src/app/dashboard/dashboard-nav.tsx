"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { dashboardHref, dashboardViews } from "@/shared/navigation";

export function DashboardNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Dashboard" className="min-w-0">
      <ul className="flex gap-1 overflow-x-auto md:flex-col">
        {dashboardViews.map((view) => {
          const href = dashboardHref(view.slug);
          const current = pathname === href;
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                className={`block whitespace-nowrap rounded-md px-3 py-2 text-sm no-underline hover:bg-stone-200 hover:no-underline ${current ? "bg-stone-200 font-semibold text-stone-900" : "text-stone-700"}`}
              >
                {view.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
