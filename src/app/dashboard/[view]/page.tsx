import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EmptyState } from "@/components/empty-state";
import { PackageList } from "@/components/package-list";
import { pageFromSearch, Pagination } from "@/components/pagination";
import { TableContainer } from "@/components/table-container";
import { requireSignedIn } from "@/server/auth/guards";
import { accessLevelDescriptions } from "@/server/authz/access-levels";
import { dashboardViews, organizationDashboardHref } from "@/shared/navigation";
import { standingLabels } from "@/shared/organization-labels";
import type { PackageKind } from "@/shared/schemas/packages";
import { getServerApi } from "@/trpc/server";

type Props = { params: Promise<{ view: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

function findView(slug: string) {
  return dashboardViews.find((view) => view.slug === slug && slug !== "");
}

/** Which of the account's own packages each view lists. */
const ownPackageViews: Record<string, PackageKind> = { all: "all", packages: "package", notebooks: "notebook", environments: "environment" };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: findView((await params).view)?.label ?? "Dashboard" };
}

export default async function DashboardViewPage({ params, searchParams }: Props) {
  const slug = (await params).view;
  const view = findView(slug);
  if (!view) notFound();
  const { user } = await requireSignedIn(`/dashboard/${slug}`);
  const page = pageFromSearch((await searchParams).page);
  const api = await getServerApi();
  const heading = (
    <div>
      <h1>{view.label}</h1>
      <p className="text-sm text-stone-600">{view.description}</p>
    </div>
  );

  if (slug in ownPackageViews) {
    const kind = ownPackageViews[slug]!;
    const result = await api.packages.mine({ kind, page, pageSize: 25 });
    return (
      <div className="space-y-4">
        {heading}
        <PackageList packages={result.items} emptyTitle={`No ${view.label.toLowerCase()} yet`} emptyText="Upload files to publish them here." />
        <Pagination basePath={`/dashboard/${slug}`} page={result.page} pageSize={result.pageSize} total={result.total} />
        <Link href="/upload" className="button">
          Upload files
        </Link>
      </div>
    );
  }
  if (slug === "favorites") {
    const result = await api.packages.favorites({ kind: "all", page, pageSize: 25 });
    return (
      <div className="space-y-4">
        {heading}
        <PackageList packages={result.items} emptyTitle="No favorites yet" emptyText="Star a package on its page to find it here." />
        <Pagination basePath="/dashboard/favorites" page={result.page} pageSize={result.pageSize} total={result.total} />
      </div>
    );
  }
  if (slug === "labels") {
    const labels = await api.packages.labels({ owner: user.username });
    return (
      <div className="space-y-4">
        {heading}
        {labels.length === 0 ? (
          <EmptyState title="No labels yet">Files you upload carry the main label; add others such as dev or test on a package page.</EmptyState>
        ) : (
          <TableContainer label="Your labels">
            <table className="data-table">
              <caption className="sr-only">Your labels</caption>
              <thead>
                <tr>
                  <th scope="col">Label</th>
                  <th scope="col">Files</th>
                  <th scope="col">conda channel</th>
                </tr>
              </thead>
              <tbody>
                {labels.map((label) => (
                  <tr key={label.label}>
                    <td className="font-medium">{label.label}</td>
                    <td>{label.files}</td>
                    <td className="font-mono text-xs break-all">{label.label === "main" ? `/${user.username}` : `/${user.username}/label/${label.label}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableContainer>
        )}
      </div>
    );
  }
  if (slug === "organizations") {
    const organizations = await api.organizations.mine({});
    return (
      <div className="space-y-4">
        <div className="flex flex-wrap items-end justify-between gap-3">
          {heading}
          <Link href="/settings/organizations/new" className="button">
            Create a new organization
          </Link>
        </div>
        {organizations.length === 0 ? (
          <EmptyState title="No organizations yet">
            When someone adds you to an organization it appears here. You can also create one and invite others.
          </EmptyState>
        ) : (
          <TableContainer label="Organizations you belong to">
            <table className="data-table">
              <caption className="sr-only">Organizations you belong to</caption>
              <thead>
                <tr>
                  <th scope="col">Organization</th>
                  <th scope="col">Your role</th>
                  <th scope="col">Members</th>
                  <th scope="col">Packages</th>
                </tr>
              </thead>
              <tbody>
                {organizations.map((organization) => (
                  <tr key={organization.username} data-testid="organization-row" data-organization={organization.username}>
                    <td>
                      <Link href={organizationDashboardHref(organization.username)} className="font-medium">
                        {organization.username}
                      </Link>
                      {organization.name ? <span className="block text-xs text-stone-600">{organization.name}</span> : null}
                    </td>
                    <td>{standingLabels[organization.standing]}</td>
                    <td>{organization.members}</td>
                    <td>{organization.packages}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableContainer>
        )}
      </div>
    );
  }
  const groups = await api.organizations.myGroups();
  return (
    <div className="space-y-4">
      {heading}
      {groups.length === 0 ? (
        <EmptyState title="No group memberships yet">
          Organization administrators put people in groups that read, write or administer the organization&apos;s packages. Yours appear here.
        </EmptyState>
      ) : (
        <TableContainer label="Groups you belong to">
          <table className="data-table">
            <caption className="sr-only">Groups you belong to</caption>
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Group</th>
                <th scope="col">Access</th>
                <th scope="col">Packages</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((group) => (
                <tr key={`${group.organization}/${group.name}`} data-testid="group-row">
                  <td>
                    <Link href={organizationDashboardHref(group.organization)}>{group.organization}</Link>
                  </td>
                  <td className="font-medium">{group.name}</td>
                  <td>
                    {group.levelLabel}
                    <span className="block text-xs text-stone-600">{accessLevelDescriptions[group.level].description}</span>
                  </td>
                  <td>{group.reachesAllPackages ? "All of the organization's packages" : "Selected packages"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
    </div>
  );
}
