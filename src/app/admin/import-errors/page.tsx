import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Import Errors" };

/**
 * Seed 003's Import Errors: each declared task that failed to import, per application and task, in the running
 * version and in a later install that failed (and was not applied). Each opens to its traceback.
 */
export default async function ImportErrorsPage() {
  await requirePagePermission("admin:applications:read", "/admin/import-errors");
  const errors = await (await getServerApi()).applications.importErrors();
  const byApplication = new Map<string, { id: string; name: string; errors: typeof errors }>();
  for (const error of errors) {
    const entry = byApplication.get(error.applicationId) ?? { id: error.applicationId, name: error.application, errors: [] };
    entry.errors.push(error);
    byApplication.set(error.applicationId, entry);
  }
  return (
    <div className="space-y-4">
      <div>
        <h1>Import Errors</h1>
        <p className="text-sm text-stone-700">
          Tasks that failed to import when their application was installed. An application whose other tasks import stays usable for them; open an error
          for its traceback.
        </p>
      </div>
      {errors.length === 0 ? (
        <EmptyState title="No import errors">Every declared task of every application imports.</EmptyState>
      ) : (
        [...byApplication.values()].map((application) => (
          <section key={application.id} aria-labelledby={`import-errors-${application.id}`} className="card space-y-2" data-testid="import-error-application">
            <h2 id={`import-errors-${application.id}`}>
              <Link href={`/admin/applications/${application.id}`}>{application.name}</Link>
            </h2>
            <ul className="space-y-2">
              {application.errors.map((error) => (
                <li key={error.id} data-testid="import-error">
                  <details className="rounded border border-stone-200 p-2">
                    <summary className="cursor-pointer text-sm">
                      <strong>{error.task}</strong> · <code className="break-all">{error.module}</code> ·{" "}
                      <span className="font-semibold text-red-800">{error.errorType}</span>: <span className="break-words">{error.message}</span>
                      <span className="block text-xs text-stone-600">
                        {error.running ? "Running version" : "Failed update, not applied"} {error.version ?? error.commit?.slice(0, 12)} · <DateTime value={error.recordedAt} />
                      </span>
                    </summary>
                    <pre className="mt-2 overflow-x-auto whitespace-pre-wrap break-all rounded bg-stone-100 p-2 text-xs" data-testid="import-error-traceback" tabIndex={0}>
                      {error.traceback || "No traceback: the task's declaration itself was refused."}
                    </pre>
                  </details>
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
    </div>
  );
}
