import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { requireSignedIn } from "@/server/auth/guards";
import { dashboardViews } from "@/shared/navigation";

type Params = { params: Promise<{ view: string }> };

function findView(slug: string) {
  return dashboardViews.find((view) => view.slug === slug && slug !== "");
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  return { title: findView((await params).view)?.label ?? "Dashboard" };
}

/** Views whose features arrive in later releases say so plainly instead of showing a broken page. */
export default async function DashboardViewPage({ params }: Params) {
  const slug = (await params).view;
  const view = findView(slug);
  if (!view) notFound();
  await requireSignedIn(`/dashboard/${slug}`);
  return (
    <div className="space-y-6">
      <div>
        <h1>{view.label}</h1>
        <p className="text-sm text-stone-600">{view.description}</p>
      </div>
      <EmptyState title={`No ${view.label.toLowerCase()} yet`}>
        This view fills in as the feature it shows arrives in Granary. Nothing here needs your attention now.
      </EmptyState>
    </div>
  );
}
