import Link from "next/link";
import { redirect } from "next/navigation";
import { PackageList } from "@/components/package-list";
import { getCurrentActor } from "@/server/auth/actor";
import { getServerApi } from "@/trpc/server";

export default async function HomePage() {
  if ((await getCurrentActor()).kind === "user") redirect("/dashboard");
  const api = await getServerApi();
  const [popular, recent] = await Promise.all([
    api.packages.search({ query: "", kind: "all", sort: "downloads", page: 1, pageSize: 6 }),
    api.packages.search({ query: "", kind: "all", sort: "updated", page: 1, pageSize: 6 }),
  ]);
  return (
    <div className="space-y-10">
      <section className="space-y-4 py-6 text-center sm:py-12">
        <h1 className="text-3xl sm:text-4xl">Your team&apos;s packages, notebooks and environments</h1>
        <p className="mx-auto max-w-2xl text-stone-600">
          Granary is a self-hosted repository for conda and Python packages, Jupyter notebooks and environments. Browse and download
          public work without an account; sign up to publish and to reach what is shared with you.
        </p>
        <div className="flex flex-wrap justify-center gap-3">
          <Link href="/sign-up" className="button">
            Create an account
          </Link>
          <Link href="/search" className="button-secondary">
            Browse packages
          </Link>
        </div>
      </section>
      <div className="grid gap-8 lg:grid-cols-2">
        <section aria-labelledby="popular-heading" className="min-w-0 space-y-3">
          <h2 id="popular-heading">Most downloaded</h2>
          <PackageList packages={popular.items} emptyTitle="Nothing published yet" emptyText="Public packages appear here as they are published." />
          {popular.total > popular.items.length ? <Link href="/search?sort=downloads">See more</Link> : null}
        </section>
        <section aria-labelledby="recent-heading" className="min-w-0 space-y-3">
          <h2 id="recent-heading">Recently updated</h2>
          <PackageList packages={recent.items} emptyTitle="Nothing published yet" emptyText="Public packages appear here as they are published." />
          {recent.total > recent.items.length ? <Link href="/search?sort=updated">See more</Link> : null}
        </section>
      </div>
    </div>
  );
}
