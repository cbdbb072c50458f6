import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { CreateApplicationForm } from "./create-application-form";
import { InstallStatus } from "./install-status";

export const metadata: Metadata = { title: "Applications" };

/** Seed 003's Applications: the installed applications, and CREATE APP to install another. */
export default async function ApplicationsPage() {
  await requirePagePermission("admin:applications:read", "/admin/applications");
  const api = await getServerApi();
  const [applications, installable] = await Promise.all([api.applications.list(), api.applications.installablePackages()]);
  return (
    <div className="space-y-6">
      <div>
        <h1>Applications</h1>
        <p className="text-sm text-stone-700">
          Python packages installed onto the platform, each in its own environment, with the tasks they declare. Select one to change its version or commit,
          make it active or inactive, update or delete it. <Link href="/admin/applications/transfer">Transfer applications from another Granary</Link>.
        </p>
      </div>
      {applications.length === 0 ? (
        <EmptyState title="No applications yet">Install one with CREATE APP below.</EmptyState>
      ) : (
        <TableContainer label="Applications">
          <table className="data-table" data-testid="applications">
            <caption className="sr-only">Installed applications, by name</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Source</th>
                <th scope="col">Running</th>
                <th scope="col">Active</th>
                <th scope="col">Latest install</th>
              </tr>
            </thead>
            <tbody>
              {applications.map((application) => (
                <tr key={application.id} data-testid="application-row">
                  <td>
                    <Link href={`/admin/applications/${application.id}`} className="font-medium">
                      {application.name}
                    </Link>
                  </td>
                  <td className="break-all text-sm">
                    <span className="mr-1 rounded bg-stone-100 px-1.5 py-0.5 text-xs">{application.sourceKind === "git" ? "Git" : "Package"}</span>
                    {application.source}
                  </td>
                  <td className="text-sm">
                    {application.installedVersion ?? (application.installedCommit ? <code>{application.installedCommit.slice(0, 12)}</code> : "Nothing yet")}
                  </td>
                  <td>{application.active ? "Active" : "Inactive"}</td>
                  <td>
                    <InstallStatus status={application.latestInstall?.status ?? null} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <CreateApplicationForm installable={installable} />
    </div>
  );
}
