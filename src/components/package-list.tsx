import Link from "next/link";
import type { RouterOutputs } from "@/client";
import type { FileType } from "@/server/db/schema/packages";
import { EmptyState } from "./empty-state";
import { Sparkline } from "./sparkline";

export type PackageSummary = RouterOutputs["packages"]["search"]["items"][number];

const typeLabels: Record<FileType, string> = {
  conda: "conda",
  wheel: "wheel",
  sdist: "sdist",
  notebook: "notebook",
  environment: "environment",
};

export function TypeBadges({ types }: { types: FileType[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {types.map((type) => (
        <span key={type} className="rounded bg-stone-100 px-1.5 py-0.5 text-xs font-medium text-stone-700">
          {typeLabels[type]}
        </span>
      ))}
    </span>
  );
}

export function PrivateBadge() {
  return <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900">private</span>;
}

/** The searched words marked in a name or summary (case-insensitively), the rest as it is. */
export function Highlighted({ text, terms }: { text: string; terms: readonly string[] }) {
  const words = terms.filter(Boolean).map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  if (words.length === 0) return <>{text}</>;
  const pattern = new RegExp(`(${words.join("|")})`, "gi");
  return (
    <>
      {text.split(pattern).map((part, index) =>
        index % 2 === 1 ? (
          <mark key={index} className="rounded-sm bg-amber-200 px-0.5 text-stone-900">
            {part}
          </mark>
        ) : (
          part
        ),
      )}
    </>
  );
}

const numberFormat = new Intl.NumberFormat("en-GB");

export function PackageList({
  packages,
  emptyTitle,
  emptyText,
  highlight = [],
}: {
  packages: PackageSummary[];
  emptyTitle: string;
  emptyText?: string;
  /** Words to mark in names and summaries: the search terms. */
  highlight?: readonly string[];
}) {
  if (packages.length === 0) return <EmptyState title={emptyTitle}>{emptyText}</EmptyState>;
  return (
    <ul className="divide-y divide-stone-200 rounded-lg border border-stone-200 bg-white" data-testid="package-list">
      {packages.map((pkg) => (
        <li key={pkg.id} className="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
          <div className="min-w-0 space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <Link href={`/${pkg.owner}/${pkg.name}`} className="font-semibold break-all">
                {pkg.owner}/<Highlighted text={pkg.name} terms={highlight} />
              </Link>
              {pkg.isPrivate ? <PrivateBadge /> : null}
              <TypeBadges types={pkg.fileTypes} />
            </div>
            {pkg.summary ? (
              <p className="truncate text-sm text-stone-600">
                <Highlighted text={pkg.summary} terms={highlight} />
              </p>
            ) : null}
          </div>
          <dl className="flex shrink-0 flex-wrap items-center gap-4 text-xs text-stone-600">
            <div>
              <dt className="sr-only">Latest version</dt>
              <dd>{pkg.latestVersion ?? "—"}</dd>
            </div>
            <div>
              <dt className="inline">Downloads </dt>
              <dd className="inline">{numberFormat.format(pkg.downloads)}</dd>
            </div>
            {pkg.trend.length > 0 ? (
              <div>
                <dt className="sr-only">Trend</dt>
                <dd>
                  <Sparkline values={pkg.trend} />
                </dd>
              </div>
            ) : null}
            <div>
              <dt className="inline">Stars </dt>
              <dd className="inline">{pkg.stars}</dd>
            </div>
          </dl>
        </li>
      ))}
    </ul>
  );
}
