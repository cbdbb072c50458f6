import type { Metadata } from "next";
import Link from "next/link";
import { PackageList } from "@/components/package-list";
import { Sparkline } from "@/components/sparkline";
import { requireSignedIn } from "@/server/auth/guards";
import { can } from "@/server/authz";
import { StorageFullBanner } from "../storage-full-banner";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Dashboard" };

const numberFormat = new Intl.NumberFormat("en-GB");

export default async function DashboardPage() {
  const actor = await requireSignedIn("/dashboard");
  const { user } = actor;
  const api = await getServerApi();
  const [recent, summary] = await Promise.all([api.packages.mine({ kind: "all", page: 1, pageSize: 10 }), api.packages.dashboardSummary()]);
  return (
    <div className="space-y-6">
      {can(actor, "admin:exceptions:read") ? <StorageFullBanner /> : null}
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 data-testid="dashboard-heading">Welcome, {user.name || user.username}</h1>
          <p className="text-sm text-stone-600">Your landscape: what you publish and follow on Granary.</p>
        </div>
        <Link href="/upload" className="button">
          Upload files
        </Link>
      </div>
      <section aria-labelledby="tiles-heading">
        <h2 id="tiles-heading" className="sr-only">
          At a glance
        </h2>
        <dl className="grid gap-3 sm:grid-cols-3" data-testid="dashboard-tiles">
          <div className="card">
            <dt className="text-sm text-stone-600">Packages</dt>
            <dd className="text-2xl font-semibold" data-testid="tile-packages">
              <Link href="/dashboard/all" className="text-inherit no-underline hover:underline">
                {numberFormat.format(summary.packages)}
              </Link>
            </dd>
          </div>
          <div className="card">
            <dt className="text-sm text-stone-600">Downloads, last {summary.downloads.days} days</dt>
            <dd className="flex items-end justify-between gap-2">
              <span className="text-2xl font-semibold" data-testid="tile-downloads">
                {numberFormat.format(summary.downloads.total)}
              </span>
              <Sparkline values={summary.downloads.daily} width={110} height={32} />
            </dd>
          </div>
          <div className="card">
            <dt className="text-sm text-stone-600">Stars on your packages</dt>
            <dd className="text-2xl font-semibold" data-testid="tile-stars">
              {numberFormat.format(summary.stars)}
            </dd>
            <dd className="text-xs text-stone-600">
              You starred <Link href="/dashboard/favorites">{numberFormat.format(summary.favorites)}</Link>
            </dd>
          </div>
        </dl>
      </section>
      <section aria-labelledby="recent-heading" className="space-y-3">
        <h2 id="recent-heading">Recently updated</h2>
        <PackageList
          packages={recent.items}
          emptyTitle="Nothing published yet"
          emptyText="Packages, notebooks and environments you publish appear here. Upload files to get started."
        />
        {recent.total > recent.items.length ? <Link href="/dashboard/all">See all {recent.total}</Link> : null}
      </section>
    </div>
  );
}
