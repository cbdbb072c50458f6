import { getCurrentActor } from "@/server/auth/actor";
import { can, type Permission } from "@/server/authz";
import { getDb } from "@/server/db";
import { dailyReport, dailyReportCsv, dailyReportFilename } from "@/server/services/daily-report";
import { rangeFromSearch } from "../range";

/** The same permission as the Daily Report page and its procedure. */
export const permission: Permission = "admin:users:read";

/** The Daily Report as CSV: `?from=YYYY-MM-DD&until=YYYY-MM-DD` or `?range=this_month`. */
export async function GET(request: Request): Promise<Response> {
  const actor = await getCurrentActor();
  // As the page: to anyone without the permission, this address does not exist.
  if (actor.kind !== "user" || !can(actor, permission)) return new Response("Not found.\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  const asked = rangeFromSearch(Object.fromEntries(new URL(request.url).searchParams));
  if (!asked.ok) {
    return new Response(`${Object.values(asked.errors).join(" ")}\n`, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  const report = await dailyReport(getDb(), actor, asked.range);
  return new Response(dailyReportCsv(report), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${dailyReportFilename(report)}"`,
      "cache-control": "no-store",
    },
  });
}
