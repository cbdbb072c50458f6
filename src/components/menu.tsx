"use client";

/**
 * A disclosure menu: a button that shows a list of links. Keyboard: Enter/Space opens, arrows move, Escape
 * closes and returns focus to the button; a click outside closes it.
 */
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState, type ReactNode } from "react";

export interface MenuLink {
  href: string;
  label: string;
}

/** Links under a heading of their own, above the menu's other links (the account switcher). */
export interface MenuSection {
  heading: string;
  links: MenuLink[];
}

export function DisclosureMenu({
  label,
  buttonContent,
  links,
  sections = [],
  footer,
  align = "left",
}: {
  label: string;
  buttonContent: ReactNode;
  links: MenuLink[];
  sections?: MenuSection[];
  footer?: ReactNode;
  align?: "left" | "right";
}) {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const containerRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const closeOnOutsideClick = (event: MouseEvent) => {
      if (!containerRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", closeOnOutsideClick);
    return () => document.removeEventListener("mousedown", closeOnOutsideClick);
  }, [open]);

  const focusableItems = () => Array.from(containerRef.current?.querySelectorAll<HTMLElement>("[data-menu-item]") ?? []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "Escape" && open) {
      setOpen(false);
      buttonRef.current?.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    if (!open) setOpen(true);
    requestAnimationFrame(() => {
      const items = focusableItems();
      const current = items.indexOf(document.activeElement as HTMLElement);
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = current === -1 ? (step === 1 ? 0 : items.length - 1) : (current + step + items.length) % items.length;
      items[next]?.focus();
    });
  };

  return (
    <div ref={containerRef} className="relative" onKeyDown={onKeyDown}>
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((value) => !value)}
        className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm font-medium text-stone-100 hover:bg-stone-800"
      >
        {buttonContent}
        <span aria-hidden="true" className="text-xs">
          ▾
        </span>
      </button>
      <div
        id={menuId}
        hidden={!open}
        className={`absolute z-20 mt-2 w-60 rounded-md border border-stone-200 bg-white py-1 text-stone-900 shadow-lg ${align === "right" ? "right-0" : "left-0"}`}
      >
        {sections.map((section, index) => (
          <div key={section.heading} className="border-b border-stone-200 pb-1">
            <p id={`${menuId}-section-${index}`} className="px-4 pt-2 pb-1 text-xs font-semibold tracking-wide text-stone-500 uppercase">
              {section.heading}
            </p>
            <MenuLinks links={section.links} pathname={pathname} onChoose={() => setOpen(false)} labelledBy={`${menuId}-section-${index}`} />
          </div>
        ))}
        <MenuLinks links={links} pathname={pathname} onChoose={() => setOpen(false)} />
        {footer ? <div className="border-t border-stone-200 pt-1">{footer}</div> : null}
      </div>
    </div>
  );
}

function MenuLinks({ links, pathname, onChoose, labelledBy }: { links: MenuLink[]; pathname: string; onChoose: () => void; labelledBy?: string }) {
  return (
    <ul aria-labelledby={labelledBy}>
      {links.map((link) => {
        const current = link.href === pathname;
        return (
          <li key={link.href}>
            <Link
              href={link.href}
              data-menu-item
              aria-current={current ? "page" : undefined}
              onClick={onChoose}
              className={`block px-4 py-2 text-sm text-stone-800 no-underline hover:bg-stone-100 hover:no-underline focus:bg-stone-100 ${current ? "font-semibold" : ""}`}
            >
              {link.label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
