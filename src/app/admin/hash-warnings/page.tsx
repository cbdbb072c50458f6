import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Hash Warnings" };

const percent = new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 1 });
const count = new Intl.NumberFormat("en-GB");

/**
 * Seed 003's Hash Warnings: per type of stored object, how many objects and how many different content hashes, and
 * their share ("the higher the percentage of different hashes, the better"), with a warning below the threshold set
 * in Admin → General and the most repeated hashes with what holds them.
 */
export default async function HashWarningsPage() {
  await requirePagePermission("admin:applications:read", "/admin/hash-warnings");
  const { thresholdPercent, types } = await (await getServerApi()).hashWarnings.list();
  const warnings = types.filter((type) => type.warning).length;
  return (
    <div className="space-y-4">
      <div>
        <h1>Hash Warnings</h1>
        <p className="text-sm text-stone-700">
          How alike the stored objects of each type are: the share of different content hashes (sha256) among them. The higher, the better; below{" "}
          {thresholdPercent} % (<Link href="/admin">General settings</Link>) a type is flagged, with the hashes it repeats most and what holds them.
        </p>
        <p className="text-sm font-semibold" data-testid="hash-warning-count">
          {warnings === 0 ? "No warnings." : `${warnings} warning${warnings === 1 ? "" : "s"}.`}
        </p>
      </div>
      {types.length === 0 ? (
        <EmptyState title="Nothing stored yet">Package files and task results appear here once there are some.</EmptyState>
      ) : (
        <ul className="space-y-3">
          {types.map((type) => (
            <li key={type.key} className={`card space-y-2 ${type.warning ? "border-amber-400" : ""}`} data-testid="hash-type" data-key={type.key} data-warning={type.warning}>
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 className="break-words text-base">
                  <span className="text-sm font-normal text-stone-600">{type.group} · </span>
                  {type.label}
                </h2>
                {type.warning ? (
                  <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900" data-testid="hash-warning">
                    Warning: below {thresholdPercent} %
                  </span>
                ) : null}
              </div>
              <p className="text-sm" data-testid="hash-figures">
                {count.format(type.objects)} object{type.objects === 1 ? "" : "s"}, {count.format(type.distinctHashes)} different hash
                {type.distinctHashes === 1 ? "" : "es"}: {percent.format(type.share)}
              </p>
              {type.repeated.length ? (
                <details>
                  <summary className="cursor-pointer text-sm font-semibold">Most repeated hashes</summary>
                  <ul className="mt-2 space-y-2 text-sm">
                    {type.repeated.map((hash) => (
                      <li key={hash.sha256} data-testid="repeated-hash">
                        <code className="break-all text-xs">{hash.sha256}</code> × {hash.count}
                        <ul className="ml-4 list-disc">
                          {hash.holders.map((holder) => (
                            <li key={`${holder.href}:${holder.label}`} className="break-words">
                              <Link href={holder.href}>{holder.label}</Link>
                            </li>
                          ))}
                        </ul>
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
