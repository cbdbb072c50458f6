import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { requireSignedIn } from "@/server/auth/guards";
import { canSeeEveryTaskRun } from "@/server/authz";
import { getServerApi } from "@/trpc/server";
import { TaskRunStatus } from "./task-run-status";

export const metadata: Metadata = { title: "Task runs" };

/** The signed-in user's task runs, newest first; site administrators may ask for everyone's (`?everyone=1`). */
export default async function TaskRunsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireSignedIn("/tools/applications/runs");
  const search = await searchParams;
  const mayAskForEveryone = canSeeEveryTaskRun(actor);
  const everyone = mayAskForEveryone && search.everyone === "1";
  const cursor = typeof search.cursor === "string" && search.cursor.length <= 200 ? search.cursor : undefined;
  const page = await (await getServerApi()).tasks.runs({ everyone, cursor }).catch(() => ({ items: [], nextCursor: null }));
  const base = everyone ? "/tools/applications/runs?everyone=1" : "/tools/applications/runs";
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/tools/applications">← Applications</Link>
      </p>
      <div>
        <h1>{everyone ? "Everyone's task runs" : "Your task runs"}</h1>
        {mayAskForEveryone ? (
          <p className="text-sm">
            {everyone ? <Link href="/tools/applications/runs">Only yours</Link> : <Link href="/tools/applications/runs?everyone=1">Everyone&apos;s runs</Link>}
          </p>
        ) : null}
      </div>
      {page.items.length === 0 ? (
        <p className="card text-sm text-stone-700">No runs yet. Run a task from Tools → Applications.</p>
      ) : (
        <ul className="space-y-2" data-testid="task-runs">
          {page.items.map((run) => (
            <li key={run.id} className="card flex flex-wrap items-center justify-between gap-2 text-sm" data-testid="task-run-row">
              <div className="min-w-0">
                <Link href={`/tools/applications/runs/${run.id}`} className="font-semibold break-words">
                  {run.application}: {run.task}
                </Link>
                <span className="block text-stone-600">
                  {everyone ? `${run.user} · ` : ""}
                  <DateTime value={run.queuedAt} />
                </span>
              </div>
              <TaskRunStatus status={run.status} />
            </li>
          ))}
        </ul>
      )}
      {page.nextCursor ? (
        <p className="text-sm">
          <Link href={`${base}${base.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(page.nextCursor)}`}>Older runs →</Link>
        </p>
      ) : null}
    </div>
  );
}
