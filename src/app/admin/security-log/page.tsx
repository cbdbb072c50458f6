import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { ZodError } from "zod";
import { DateTime } from "@/components/date-time";
import { EmptyState } from "@/components/empty-state";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { AppError } from "@/server/errors";
import { getServerApi } from "@/trpc/server";
import { firstValue, hrefWith, type SearchParams } from "../log-filters";

export const metadata: Metadata = { title: "Security log" };

const numberFormat = new Intl.NumberFormat("en-GB");

/** A refused filter (an unknown account, a range that ends before it starts) lands on its field; anything else is the page's failure. */
function fieldErrorsOf(failure: unknown): Record<string, string> {
  if (!(failure instanceof TRPCError) || failure.code !== "BAD_REQUEST") throw failure;
  if (failure.cause instanceof ZodError) {
    return Object.fromEntries(failure.cause.issues.map((issue) => [String(issue.path[0] ?? "form"), issue.message]));
  }
  if (failure.cause instanceof AppError && failure.cause.fieldErrors) return failure.cause.fieldErrors;
  return { form: failure.message };
}

function EyeIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M1 12s4-8 11-8 11 8 11 8-4 8-11 8S1 12 1 12z" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}

/** Seed 000's Security Log: View, Actor, Action and Date, newest first, with filters kept in the address. */
export default async function SecurityLogPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requirePagePermission("admin:audit:read", "/admin/security-log");
  const search = await searchParams;
  const filters = {
    action: firstValue(search.action, 100),
    actor: firstValue(search.actor, 100).trim(),
    from: firstValue(search.from, 10),
    until: firstValue(search.until, 10),
  };
  const after = firstValue(search.after, 36);
  const api = await getServerApi();
  const [actions, result] = await Promise.all([
    api.adminPeople.securityLogActions(),
    api.adminPeople
      .listSecurityEvents({
        action: filters.action || undefined,
        actor: filters.actor || undefined,
        from: filters.from || undefined,
        until: filters.until || undefined,
        after: after || undefined,
        pageSize: 50,
      })
      .then((answer) => ({ ...answer, errors: {} as Record<string, string> }))
      .catch((failure: unknown) => ({ items: [], nextAfter: null, total: 0, totalIsCapped: false, errors: fieldErrorsOf(failure) })),
  ]);
  const errors = result.errors;
  const filtered = Object.values(filters).some(Boolean);
  const described = (field: string) => (errors[field] ? { "aria-invalid": true as const, "aria-describedby": `security-${field}-error` } : {});
  const fieldError = (field: string) =>
    errors[field] ? (
      <p id={`security-${field}-error`} className="field-error">
        {errors[field]}
      </p>
    ) : null;
  return (
    <div className="space-y-4">
      <div>
        <h1>Security log</h1>
        <p className="text-sm text-stone-600">Every security-relevant action on the site, newest first. The eye opens every field of an event.</p>
      </div>
      <form role="search" aria-label="Filter the security log" className="grid gap-3 rounded-lg border border-stone-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_auto] lg:items-start">
        <div>
          <label htmlFor="security-action" className="label">
            Action
          </label>
          <select id="security-action" name="action" defaultValue={filters.action} className="input py-1.5" {...described("action")}>
            <option value="">Every action</option>
            {actions.map((option) => (
              <option key={option.action} value={option.action}>
                {option.description} ({option.action})
              </option>
            ))}
          </select>
          {fieldError("action")}
        </div>
        <div>
          <label htmlFor="security-actor" className="label">
            Actor
          </label>
          <input id="security-actor" name="actor" defaultValue={filters.actor} maxLength={100} className="input" placeholder="Username" {...described("actor")} />
          {fieldError("actor")}
        </div>
        <div>
          <label htmlFor="security-from" className="label">
            From (UTC)
          </label>
          <input id="security-from" name="from" type="date" defaultValue={filters.from} className="input" {...described("from")} />
          {fieldError("from")}
        </div>
        <div>
          <label htmlFor="security-until" className="label">
            Until (UTC)
          </label>
          <input id="security-until" name="until" type="date" defaultValue={filters.until} className="input" {...described("until")} />
          {fieldError("until")}
        </div>
        <div className="flex gap-2 lg:pt-6">
          <button type="submit" className="button">
            Filter
          </button>
          {filtered ? (
            <Link href="/admin/security-log" className="button-secondary no-underline">
              Clear
            </Link>
          ) : null}
        </div>
        {errors.form || errors.after ? (
          <p role="alert" className="field-error sm:col-span-2 lg:col-span-5">
            {errors.form ?? errors.after}
          </p>
        ) : null}
      </form>
      {Object.keys(errors).length === 0 ? (
        <p className="text-sm text-stone-700" data-testid="security-total">
          {result.totalIsCapped
            ? `More than ${numberFormat.format(result.total)} events${filtered ? " match" : ""}.`
            : `${numberFormat.format(result.total)} ${result.total === 1 ? "event" : "events"}${filtered ? " match" : ""}.`}
        </p>
      ) : null}
      {result.items.length === 0 ? (
        Object.keys(errors).length === 0 ? <EmptyState title={filtered ? "No events match" : after ? "No older events" : "No events yet"} /> : null
      ) : (
        <TableContainer label="Security events">
          <table className="data-table" data-testid="security-log">
            <caption className="sr-only">Security events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">View</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col" className="hidden md:table-cell">
                  Concerning
                </th>
                <th scope="col">Date</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((event) => (
                <tr key={event.id} data-testid="security-event" data-action={event.action}>
                  <td>
                    <Link href={`/admin/security-log/${event.id}`} className="inline-flex p-1" aria-label={`View ${event.action} of ${event.actorLabel}`}>
                      <EyeIcon />
                    </Link>
                  </td>
                  <td className="break-all">
                    {event.actorUsername ? <Link href={`/${encodeURIComponent(event.actorUsername)}`}>{event.actorLabel}</Link> : event.actorLabel}
                  </td>
                  <td>
                    <span className="block">{event.description}</span>
                    <code className="break-all text-xs text-stone-600">{event.action}</code>
                  </td>
                  <td className="hidden break-all md:table-cell">{event.targetLabel ?? "—"}</td>
                  <td className="whitespace-nowrap">
                    <DateTime value={event.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      )}
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        {after ? <Link href={hrefWith("/admin/security-log", filters)}>← Newest</Link> : <span />}
        {result.nextAfter ? <Link href={hrefWith("/admin/security-log", { ...filters, after: result.nextAfter })}>Older →</Link> : <span />}
      </nav>
    </div>
  );
}
