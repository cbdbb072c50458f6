"use client";

/**
 * The Tools: the top bar's Tools menu and the dashboard's navigation are this one component over one list
 * (toolLinks), so the two never disagree; each marks the page it is on with aria-current. Every view in the list is
 * built: a view that is not yet stays out of the list rather than leading to an empty page.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { toolLinks } from "@/shared/navigation";
import { DisclosureMenu } from "./menu";

export function ToolsNavigation({ placement }: { placement: "menu" | "sidebar" }) {
  const pathname = usePathname();
  if (placement === "menu") return <DisclosureMenu label="Tools" buttonContent={<span>Tools</span>} links={[...toolLinks]} />;
  return (
    <nav aria-label="Dashboard" className="min-w-0">
      <ul className="flex gap-1 overflow-x-auto md:flex-col">
        {toolLinks.map((link) => {
          const current = pathname === link.href;
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={current ? "page" : undefined}
                className={`block whitespace-nowrap rounded-md px-3 py-2 text-sm no-underline hover:bg-stone-200 hover:no-underline ${current ? "bg-stone-200 font-semibold text-stone-900" : "text-stone-700"}`}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
