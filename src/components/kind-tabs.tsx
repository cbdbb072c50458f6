import Link from "next/link";
import type { PackageKind } from "@/shared/schemas/packages";

export const kindOptions: { value: PackageKind; label: string }[] = [
  { value: "all", label: "All" },
  { value: "conda", label: "conda" },
  { value: "pypi", label: "PyPI" },
  { value: "notebook", label: "Notebooks" },
  { value: "environment", label: "Environments" },
];

export function parseKind(value: string | string[] | undefined): PackageKind {
  const candidate = Array.isArray(value) ? value[0] : value;
  return kindOptions.find((option) => option.value === candidate)?.value ?? "all";
}

/** Filter links that keep the rest of the query (the search terms) intact. */
export function KindTabs({ basePath, current, query }: { basePath: string; current: PackageKind; query?: Record<string, string> }) {
  return (
    <nav aria-label="Type" className="flex flex-wrap gap-2 text-sm">
      {kindOptions.map((option) => {
        const params = new URLSearchParams({ ...query, ...(option.value === "all" ? {} : { kind: option.value }) });
        const href = params.size ? `${basePath}?${params}` : basePath;
        const active = option.value === current;
        return (
          <Link
            key={option.value}
            href={href}
            aria-current={active ? "page" : undefined}
            className={`rounded-full border px-3 py-1 no-underline ${active ? "border-brand-700 bg-brand-700 text-white" : "border-stone-300 bg-white text-stone-800 hover:bg-stone-100"}`}
          >
            {option.label}
          </Link>
        );
      })}
    </nav>
  );
}
