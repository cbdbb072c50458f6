import type { Metadata } from "next";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { auditLogNames, parseUtcDateTime, type AuditLogName } from "@/shared/schemas/logs";
import { getServerApi } from "@/trpc/server";
import { firstValue, hrefWith, KeysetPages, LogFilterForm, LogTabs, refusedFilter, type SearchParams } from "../log-filters";

export const metadata: Metadata = { title: "Logs" };

const tabLabels: Record<AuditLogName, string> = { platform: "Platform log", authentication: "Authentication log" };

/** Seed 003's Logs: what was done to the platform, and who signed in, from the audit trail. */
export default async function LogsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePagePermission("admin:audit:read", "/admin/logs");
  const search = await searchParams;
  const log = (auditLogNames.find((name) => name === firstValue(search.log)) ?? "platform") as AuditLogName;
  const actor = firstValue(search.actor, 100).trim();
  const failures = log === "authentication" && firstValue(search.failures) === "1" ? "1" : "";
  const from = firstValue(search.from, 19);
  const to = firstValue(search.to, 19);
  const cursor = firstValue(search.cursor);
  const result = await (await getServerApi()).logs
    .audit({
      log,
      actor: actor || undefined,
      failuresOnly: failures === "1" || undefined,
      from: parseUtcDateTime(from),
      to: parseUtcDateTime(to),
      cursor: cursor || undefined,
      limit: 50,
    })
    .then((answer) => ({ ...answer, error: null }))
    .catch((failure: unknown) => ({ items: [], nextCursor: null, error: refusedFilter(failure) }));
  const filters = { log, actor, failures, from, to };
  const authentication = log === "authentication";
  return (
    <div className="space-y-4">
      <div>
        <h1>Logs</h1>
        <p className="text-sm text-stone-600">
          {authentication ? "Who signed in, when, from where, and whether it worked." : "What was done to the platform: settings, accounts, password resets, workers and tasks."}
        </p>
      </div>
      <LogTabs label="Logs" basePath="/admin/logs" parameter="log" tabs={auditLogNames.map((name) => ({ name, label: tabLabels[name] }))} current={log} keep={{ actor, from, to }} />
      <LogFilterForm hidden={{ log }} from={from} to={to} error={result.error}>
        <div className="space-y-2">
          <div>
            <label htmlFor="log-actor" className="label">
              Account
            </label>
            <input id="log-actor" name="actor" defaultValue={actor} maxLength={100} className="input" placeholder="Username" />
          </div>
          {authentication ? (
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="failures" value="1" defaultChecked={failures === "1"} /> Failures only
            </label>
          ) : null}
        </div>
      </LogFilterForm>
      {result.items.length === 0 ? (
        <EmptyState title="No events match" />
      ) : (
        <TableContainer label={tabLabels[log]}>
          <table className="data-table" data-testid="audit-log">
            <caption className="sr-only">{tabLabels[log]}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">{authentication ? "Account" : "Who"}</th>
                <th scope="col">What</th>
                <th scope="col">{authentication ? "From" : "On"}</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((entry) => (
                <tr key={entry.id} data-testid="audit-entry" data-action={entry.action}>
                  <td>
                    <DateTime value={entry.createdAt} />
                  </td>
                  <td className="break-all">{entry.actorLabel}</td>
                  <td>
                    {entry.succeeded ? null : <span className="font-semibold text-red-800">Failed: </span>}
                    {entry.description}
                  </td>
                  <td className="break-all">
                    {authentication ? (
                      <>
                        {entry.ipAddress ?? "—"}
                        {entry.userAgent ? <span className="block max-w-xs truncate text-xs text-stone-600" title={entry.userAgent}>{entry.userAgent}</span> : null}
                      </>
                    ) : (
                      (entry.targetLabel ?? "—")
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <KeysetPages
        isFirst={!cursor}
        firstHref={hrefWith("/admin/logs", filters)}
        nextHref={result.nextCursor ? hrefWith("/admin/logs", { ...filters, cursor: result.nextCursor }) : null}
      />
    </div>
  );
}
