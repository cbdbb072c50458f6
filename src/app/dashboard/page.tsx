import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { requireSignedIn } from "@/server/auth/guards";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const { user } = await requireSignedIn("/dashboard");
  return (
    <div className="space-y-6">
      <div>
        <h1 data-testid="dashboard-heading">Welcome, {user.name || user.username}</h1>
        <p className="text-sm text-stone-600">Your landscape: what you publish and follow on Granary.</p>
      </div>
      <EmptyState title="Nothing published yet">
        Packages, notebooks and environments you publish will appear here. Publishing arrives in an upcoming release; meanwhile, review your{" "}
        <Link href="/settings/account">account settings</Link>.
      </EmptyState>
    </div>
  );
}
