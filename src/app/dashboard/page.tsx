import type { Metadata } from "next";
import Link from "next/link";
import { PackageList } from "@/components/package-list";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const { user } = await requireSignedIn("/dashboard");
  const recent = await (await getServerApi()).packages.mine({ kind: "all", page: 1, pageSize: 10 });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 data-testid="dashboard-heading">Welcome, {user.name || user.username}</h1>
          <p className="text-sm text-stone-600">Your landscape: what you publish and follow on Granary.</p>
        </div>
        <Link href="/upload" className="button">
          Upload files
        </Link>
      </div>
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
