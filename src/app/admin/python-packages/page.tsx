import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState } from "@/components/empty-state";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Python packages" };

/** Seed 003's Python packages: every distribution in the applications' running environments, searchable by name. */
export default async function PythonPackagesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePagePermission("admin:applications:read", "/admin/python-packages");
  const raw = (await searchParams).q;
  const search = (typeof raw === "string" ? raw : "").trim().slice(0, 200);
  const distributions = await (await getServerApi()).applications.pythonPackages({ search: search || undefined });
  return (
    <div className="space-y-4">
      <div>
        <h1>Python packages</h1>
        <p className="text-sm text-stone-700">The Python distributions installed in each application&apos;s running environment: name, version, path, and which application uses them.</p>
      </div>
      <form role="search" method="get" action="/admin/python-packages" className="flex flex-wrap items-end gap-2">
        <div className="min-w-0 flex-1">
          <label htmlFor="python-packages-search" className="label">
            Search by name
          </label>
          <input id="python-packages-search" name="q" type="search" defaultValue={search} className="input" autoComplete="off" spellCheck={false} />
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {distributions.length === 0 ? (
        <EmptyState title={search ? `No installed package matches “${search}”` : "No packages installed"}>
          {search ? null : "Install an application from Admin → Applications."}
        </EmptyState>
      ) : (
        <TableContainer label="Installed Python packages">
          <table className="data-table" data-testid="python-packages">
            <caption className="sr-only">
              Installed Python packages{search ? ` matching ${search}` : ""}, by name ({distributions.length})
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Version</th>
                <th scope="col">Path</th>
                <th scope="col">Application</th>
              </tr>
            </thead>
            <tbody>
              {distributions.map((distribution) => (
                <tr key={distribution.id} data-testid="python-package">
                  <td className="font-medium">{distribution.name}</td>
                  <td className="tabular-nums">{distribution.version}</td>
                  <td className="break-all text-xs">
                    <code>{distribution.path}</code>
                  </td>
                  <td>
                    <Link href={`/admin/applications/${distribution.applicationId}`}>{distribution.application}</Link>
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
