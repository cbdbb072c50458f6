import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { FormMessage } from "@/components/form";
import { OwnerAvatar } from "@/components/owner-avatar";
import { PackageList } from "@/components/package-list";
import { UsageMeter } from "@/components/usage-meter";
import { requireSignedIn } from "@/server/auth/guards";
import { formatBytes } from "@/shared/format-bytes";
import { standingLabels } from "@/shared/organization-labels";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";

type Props = { params: Promise<{ owner: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).owner)} dashboard` };
}

function peopleSummary(members: { role: "owner" | "member" }[]): string {
  const owners = members.filter((member) => member.role === "owner").length;
  return `${members.length} ${members.length === 1 ? "member" : "members"}, ${owners === 1 ? "one owner" : `${owners} owners`}.`;
}

/**
 * An organization's dashboard, where its members land (and where the account switcher leads): its packages,
 * including the private ones the member reaches, its people, the member's groups and the plan's usage.
 */
export default async function OrganizationDashboardPage({ params, searchParams }: Props) {
  const name = decodeURIComponent((await params).owner);
  const { user } = await requireSignedIn(`/${encodeURIComponent(name)}/dashboard`);
  if (name.toLowerCase() === user.username.toLowerCase()) redirect("/dashboard");
  const api = await getServerApi();
  const organization = await api.organizations.get({ organization: name }).catch(notFoundWhenMissing);
  if (!organization.standing || !organization.members) notFound();
  const [packages, billing, myGroups, myOrganizations] = await Promise.all([
    api.packages.listByOwner({ owner: organization.username, kind: "all", page: 1, pageSize: 10 }),
    api.billing.get({ owner: organization.username }),
    api.organizations.myGroups(),
    api.organizations.mine({}),
  ]);
  const groups = myGroups.filter((group) => group.organization === organization.username);
  const mayPublish = myOrganizations.find((mine) => mine.username === organization.username)?.mayPublish ?? false;
  const administers = organization.standing !== "member";
  const base = `/${encodeURIComponent(organization.username)}`;
  const justCreated = (await searchParams).created === "1";

  return (
    <div className="space-y-6">
      {justCreated ? (
        <FormMessage tone="success">
          {organization.username} is ready, with you as its owner. Add members and groups under Settings, or upload its first packages.
        </FormMessage>
      ) : null}
      <div className="flex flex-wrap items-center gap-4">
        <OwnerAvatar name={organization.username} kind="organization" />
        <div className="min-w-48 flex-1">
          <h1 className="break-words" data-testid="organization-dashboard-heading">
            {organization.username}
          </h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-stone-600">
            <span className="rounded bg-stone-200 px-1.5 py-0.5 text-xs font-semibold text-stone-800">Organization</span>
            {organization.name ? <span>{organization.name}</span> : null}
            <span>Your role: {standingLabels[organization.standing]}</span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {mayPublish ? (
            <Link href={`/upload?owner=${encodeURIComponent(organization.username)}`} className="button">
              Upload to {organization.username}
            </Link>
          ) : null}
          <Link href={base} className="button-secondary">
            Profile
          </Link>
          {administers ? (
            <Link href={`${base}/settings`} className="button-secondary">
              Settings
            </Link>
          ) : null}
        </div>
      </div>

      <div className="grid gap-6 lg:grid-cols-[1fr_18rem]">
        <section aria-labelledby="recent-heading" className="min-w-0 space-y-3">
          <h2 id="recent-heading">Recently updated packages</h2>
          <PackageList
            packages={packages.items}
            emptyTitle="Nothing published yet"
            emptyText={mayPublish ? "Upload files to publish them under the organization's name." : "The organization's packages you can reach appear here."}
          />
          {packages.total > packages.items.length ? <Link href={base}>See all {packages.total}</Link> : null}
        </section>
        <div className="space-y-6">
          <section aria-labelledby="people-heading" className="card space-y-2">
            <h2 id="people-heading">People</h2>
            <p className="text-sm text-stone-700">{peopleSummary(organization.members)}</p>
            <Link href={administers ? `${base}/settings/members` : base} className="text-sm">
              {administers ? "Manage members" : "See the members"}
            </Link>
          </section>
          <section aria-labelledby="my-groups-heading" className="card space-y-2">
            <h2 id="my-groups-heading">Your groups here</h2>
            {groups.length === 0 ? (
              <p className="text-sm text-stone-600">{organization.standing === "owner" ? "None: as an owner you reach every package." : "None."}</p>
            ) : (
              <ul className="space-y-1 text-sm">
                {groups.map((group) => (
                  <li key={group.name}>
                    <span className="font-medium">{group.name}</span> · {group.levelLabel}
                    {group.reachesAllPackages ? "" : " (selected packages)"}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="plan-heading" className="card space-y-3">
            <h2 id="plan-heading">Plan: {billing.plan.name}</h2>
            <UsageMeter id="dashboard-private-packages" label="Private packages" used={billing.usage.privatePackages} limit={billing.plan.maxPrivatePackages} />
            <UsageMeter id="dashboard-storage" label="Storage" used={billing.usage.storageBytes} limit={billing.plan.maxStorageBytes} format={formatBytes} />
            <Link href={`${base}/settings/billing`} className="text-sm">
              Billing
            </Link>
          </section>
        </div>
      </div>
    </div>
  );
}
