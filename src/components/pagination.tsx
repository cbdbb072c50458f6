import Link from "next/link";

export function Pagination({ basePath, page, pageSize, total }: { basePath: string; page: number; pageSize: number; total: number }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const separator = basePath.includes("?") ? "&" : "?";
  const href = (target: number) => `${basePath}${separator}page=${target}`;
  return (
    <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm">
      {page > 1 ? <Link href={href(page - 1)}>← Newer</Link> : <span />}
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      {page < pages ? <Link href={href(page + 1)}>Older →</Link> : <span />}
    </nav>
  );
}

export function pageFromSearch(value: string | string[] | undefined): number {
  const page = Number.parseInt(Array.isArray(value) ? (value[0] ?? "") : (value ?? ""), 10);
  return Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1;
}
