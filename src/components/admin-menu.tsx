"use client";

/**
 * The admin panel's left menu, in the seeds' groups. On wide screens it is a column beside the page; on phones it
 * folds into one disclosure button that names the page one is on, so the menu never pushes the page sideways. The
 * current page is marked with aria-current, and the menu folds again once a link is followed.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useId, useState } from "react";
import { isCurrentAdminEntry, type VisibleAdminGroup } from "@/shared/admin-navigation";

export function AdminMenu({ groups }: { groups: VisibleAdminGroup[] }) {
  const pathname = usePathname();
  // Open on the page it was opened on only: a followed link (or the back button) lands elsewhere and the menu folds.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const setOpen = (value: boolean) => setOpenOn(value ? pathname : null);
  const listId = useId();
  const current = groups.flatMap((group) => group.entries).find((entry) => isCurrentAdminEntry(pathname, entry));

  return (
    <nav aria-label="Admin" className="md:w-52 md:shrink-0" onKeyDown={(event) => event.key === "Escape" && setOpen(false)}>
      <button
        type="button"
        className="button-secondary w-full justify-between md:hidden"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen(!open)}
      >
        <span>
          Admin menu<span className="font-normal text-stone-600">{current ? `: ${current.label}` : ""}</span>
        </span>
        <span aria-hidden="true">{open ? "▴" : "▾"}</span>
      </button>
      <div id={listId} className={`${open ? "block" : "hidden"} mt-2 rounded-lg border border-stone-200 bg-white p-3 md:mt-0 md:block md:border-0 md:bg-transparent md:p-0`}>
        {groups.map((group) => (
          <div key={group.group} className="mb-4 last:mb-0">
            <p id={`${listId}-${group.group.replace(/\W/g, "")}`} className="px-2 pb-1 text-xs font-semibold tracking-wide text-stone-600 uppercase">
              {group.group}
            </p>
            <ul aria-labelledby={`${listId}-${group.group.replace(/\W/g, "")}`} className="space-y-0.5 text-sm">
              {group.entries.map((entry) => {
                const isCurrent = isCurrentAdminEntry(pathname, entry);
                return (
                  <li key={entry.href}>
                    <Link
                      href={entry.href}
                      aria-current={isCurrent ? "page" : undefined}
                      className={`block rounded-md px-2 py-1.5 no-underline hover:bg-stone-100 hover:no-underline ${
                        isCurrent ? "bg-brand-50 font-semibold text-stone-900" : "text-stone-700"
                      }`}
                    >
                      {entry.label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </nav>
  );
}
