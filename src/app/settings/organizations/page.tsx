import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { FormMessage } from "@/components/form";
import { TableContainer } from "@/components/table-container";
import { requireSignedIn } from "@/server/auth/guards";
import { organizationDashboardHref } from "@/shared/navigation";
import { standingLabels } from "@/shared/organization-labels";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Organization settings" };

/** Settings → Organizations: the organizations the account administers (as the seed says), and creating one. */
export default async function OrganizationSettingsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireSignedIn("/settings/organizations");
  const organizations = await (await getServerApi()).organizations.mine({ administeredOnly: true });
  const deleted = (await searchParams).deleted;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1>Organizations</h1>
          <p className="max-w-2xl text-sm text-stone-600">
            Organizations you administer. Those you only belong to are under{" "}
            <Link href="/dashboard/organizations">Tools → Organizations</Link>.
          </p>
        </div>
        <Link href="/settings/organizations/new" className="button">
          Create a new organization
        </Link>
      </div>
      {typeof deleted === "string" ? <FormMessage tone="success">{deleted.slice(0, 100)} was deleted, with its packages, groups and tokens.</FormMessage> : null}
      {organizations.length === 0 ? (
        <EmptyState title="You administer no organization yet">
          An organization shares packages under its own name, with several administrators and groups with their own access.
        </EmptyState>
      ) : (
        <TableContainer label="Organizations you administer">
          <table className="data-table">
            <caption className="sr-only">Organizations you administer</caption>
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Your role</th>
                <th scope="col">Members</th>
                <th scope="col">Packages</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
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
                  <td>
                    <Link href={`/${encodeURIComponent(organization.username)}/settings`} aria-label={`Settings of ${organization.username}`}>
                      Settings
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
    </div>
  );
}
