"use client";

/**
 * The tabs of a section (settings, an organization's settings, a package's settings, the admin panel): the page
 * being shown is marked with aria-current, so screen readers say where one is, and the row wraps on phones.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";

export interface SectionNavItem {
  href: string;
  label: string;
  /** Also current on the pages below this one (e.g. /admin/outbox/<id> under /admin/outbox). */
  includesSubpages?: boolean;
}

export function isCurrentSection(pathname: string, item: SectionNavItem): boolean {
  const path = decodeURIComponent(pathname).toLowerCase();
  const href = decodeURIComponent(item.href).toLowerCase();
  return path === href || (Boolean(item.includesSubpages) && path.startsWith(`${href}/`));
}

export function SectionNav({ label, items }: { label: string; items: SectionNavItem[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className="border-b border-stone-200">
      <ul className="-mb-px flex flex-wrap gap-x-1 text-sm">
        {items.map((item) => {
          const current = isCurrentSection(pathname, item);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={current ? "page" : undefined}
                className={`block border-b-2 px-3 py-2 no-underline hover:no-underline ${
                  current ? "border-brand-700 font-semibold text-stone-900" : "border-transparent text-stone-700 hover:border-stone-300 hover:text-stone-900"
                }`}
              >
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
