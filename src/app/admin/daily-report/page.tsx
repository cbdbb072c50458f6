import type { Metadata } from "next";
import Link from "next/link";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { dailyReportPresetLabels, dailyReportPresets, maxReportDays } from "@/shared/schemas/daily-report";
import { getServerApi } from "@/trpc/server";
import { DailyReportEmailSwitch } from "./email-switch";
import { rangeFromSearch } from "./range";
import { ReportChart } from "./report-chart";

export const metadata: Metadata = { title: "Daily Report" };

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="field-error">
      {message}
    </p>
  ) : null;
}

export default async function DailyReportPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requirePagePermission("admin:users:read", "/admin/daily-report");
  const asked = rangeFromSearch(await searchParams);
  const api = await getServerApi();
  const [report, subscription] = await Promise.all([asked.ok ? api.dailyReport.get(asked.range) : Promise.resolve(null), api.dailyReport.emailSubscription()]);
  const currentPreset = asked.ok && "preset" in asked.range ? asked.range.preset : null;
  const errors = asked.ok ? {} : asked.errors;
  return (
    <div className="space-y-6">
      <div>
        <h1>Daily Report</h1>
        <p className="text-sm text-stone-600">What happened on the site over a range of days. Days are UTC days (midnight to midnight, Coordinated Universal Time).</p>
      </div>

      <section aria-labelledby="range-heading" className="card space-y-3">
        <h2 id="range-heading" className="text-base font-semibold">
          Range
        </h2>
        <nav aria-label="Report ranges" className="flex flex-wrap gap-2 text-sm">
          {dailyReportPresets.map((preset) => (
            <Link
              key={preset}
              href={`/admin/daily-report?range=${preset}`}
              aria-current={currentPreset === preset ? "page" : undefined}
              className={`rounded-full border px-3 py-1 no-underline ${currentPreset === preset ? "border-brand-700 bg-brand-700 text-white" : "border-stone-300 bg-white text-stone-800 hover:bg-stone-100"}`}
            >
              {dailyReportPresetLabels[preset]}
            </Link>
          ))}
        </nav>
        <form method="get" action="/admin/daily-report" className="flex flex-wrap items-end gap-3" noValidate>
          <div>
            <label htmlFor="report-from" className="label">
              From
            </label>
            <input id="report-from" name="from" type="date" className="input" defaultValue={asked.from || report?.from} aria-invalid={errors.from ? true : undefined} aria-describedby={errors.from ? "report-from-error" : undefined} />
            <FieldError id="report-from-error" message={errors.from} />
          </div>
          <div>
            <label htmlFor="report-until" className="label">
              Until
            </label>
            <input
              id="report-until"
              name="until"
              type="date"
              className="input"
              defaultValue={asked.until || report?.until}
              aria-invalid={errors.until ? true : undefined}
              aria-describedby={errors.until ? "report-until-error report-until-hint" : "report-until-hint"}
            />
            <p id="report-until-hint" className="mt-1 text-sm text-stone-600">
              Both days included; at most {maxReportDays} days.
            </p>
            <FieldError id="report-until-error" message={errors.until} />
          </div>
          <button type="submit" className="button">
            Show report
          </button>
        </form>
        <DailyReportEmailSwitch enabled={subscription.enabled} email={actor.user.email} />
      </section>

      {report ? (
        <>
          <section aria-labelledby="summary-heading" className="space-y-3">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h2 id="summary-heading" className="text-base font-semibold">
                Summary
              </h2>
              <a className="button-secondary" href={`/admin/daily-report/csv?from=${report.from}&until=${report.until}`} download>
                Download CSV
              </a>
            </div>
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3" data-testid="report-range">
              <div className="card">
                <dt className="text-sm text-stone-600">From</dt>
                <dd className="font-semibold">{report.from}</dd>
              </div>
              <div className="card">
                <dt className="text-sm text-stone-600">Until</dt>
                <dd className="font-semibold">{report.until}</dd>
              </div>
              <div className="card">
                <dt className="text-sm text-stone-600">Length</dt>
                <dd className="font-semibold">
                  {report.days} day{report.days === 1 ? "" : "s"}
                </dd>
              </div>
            </dl>
            <TableContainer label="New and total">
              <table className="data-table" data-testid="report-totals">
                <caption className="sr-only">New in the range, and in total at its end</caption>
                <thead>
                  <tr>
                    <th scope="col">What</th>
                    <th scope="col" className="text-right">
                      New
                    </th>
                    <th scope="col" className="text-right">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(
                    [
                      ["Users", report.users],
                      ["Packages", report.packages],
                      ["Organizations", report.organizations],
                    ] as const
                  ).map(([label, figures]) => (
                    <tr key={label}>
                      <th scope="row">{label}</th>
                      <td className="text-right tabular-nums">{figures.new}</td>
                      <td className="text-right tabular-nums">{figures.total}</td>
                    </tr>
                  ))}
                  <tr>
                    <th scope="row">Downloads</th>
                    <td className="text-right tabular-nums">{report.downloads}</td>
                    <td className="text-right text-stone-500">—</td>
                  </tr>
                </tbody>
              </table>
            </TableContainer>
          </section>

          <section aria-labelledby="chart-heading" className="space-y-3">
            <h2 id="chart-heading" className="text-base font-semibold">
              Day by day
            </h2>
            <ReportChart series={report.series} />
            <details className="text-sm">
              <summary className="cursor-pointer font-medium">Show the figures as a table</summary>
              <TableContainer label="Day by day figures">
                <table className="data-table">
                  <caption className="sr-only">Day by day</caption>
                  <thead>
                    <tr>
                      <th scope="col">Day</th>
                      <th scope="col" className="text-right">
                        New users
                      </th>
                      <th scope="col" className="text-right">
                        New packages
                      </th>
                      <th scope="col" className="text-right">
                        Downloads
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.series.map((day) => (
                      <tr key={day.day}>
                        <th scope="row">{day.day}</th>
                        <td className="text-right tabular-nums">{day.newUsers}</td>
                        <td className="text-right tabular-nums">{day.newPackages}</td>
                        <td className="text-right tabular-nums">{day.downloads}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableContainer>
            </details>
          </section>

          <section aria-labelledby="emails-heading" className="space-y-3">
            <h2 id="emails-heading" className="text-base font-semibold">
              New User Emails
            </h2>
            {report.newUserEmails.length === 0 ? (
              <p className="text-sm text-stone-600">No accounts were created in this range.</p>
            ) : (
              <TableContainer label="New user e-mails">
                <table className="data-table" data-testid="report-new-users">
                  <caption className="sr-only">Accounts created in the range, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Username</th>
                      <th scope="col">E-mail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.newUserEmails.map((user) => (
                      <tr key={user.username}>
                        <td>
                          <Link href={`/${user.username}`}>{user.username}</Link>
                        </td>
                        <td className="break-all">{user.email}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableContainer>
            )}
            {report.users.new > report.newUserEmails.length ? (
              <p className="text-sm text-stone-600">The newest {report.newUserEmails.length} of {report.users.new} are shown; the CSV has the same.</p>
            ) : null}
          </section>

          <section aria-labelledby="actions-heading" className="space-y-3">
            <h2 id="actions-heading" className="text-base font-semibold">
              Actions
            </h2>
            {report.actions.length === 0 ? (
              <p className="text-sm text-stone-600">No actions were recorded in the audit trail in this range.</p>
            ) : (
              <TableContainer label="Actions">
                <table className="data-table" data-testid="report-actions">
                  <caption className="sr-only">Actions in the audit trail, most frequent first</caption>
                  <thead>
                    <tr>
                      <th scope="col" className="text-right">
                        Count
                      </th>
                      <th scope="col">Action</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.actions.map((action) => (
                      <tr key={action.action}>
                        <td className="text-right tabular-nums">{action.count}</td>
                        <td>
                          {action.label} <span className="text-xs text-stone-600">({action.action})</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableContainer>
            )}
          </section>
        </>
      ) : (
        <p className="text-sm text-stone-700" data-testid="report-invalid">
          Correct the range above to see the report.
        </p>
      )}
    </div>
  );
}
