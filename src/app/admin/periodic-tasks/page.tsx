import type { Metadata } from "next";
import Link from "next/link";
import { DateTime } from "@/components/date-time";
import { TableContainer } from "@/components/table-container";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { RunStatusBadge } from "../task-queue/status-badge";
import { RunNowButton } from "./run-now-button";

export const metadata: Metadata = { title: "Periodic tasks" };

export default async function PeriodicTasksPage() {
  await requirePagePermission("admin:jobs:read", "/admin/periodic-tasks");
  const { items } = await (await getServerApi()).jobs.periodicTasks();
  return (
    <div className="space-y-4">
      <div>
        <h1>Periodic tasks</h1>
        <p className="text-sm text-stone-600">Tasks that run on a schedule. Run now queues one at once, besides its schedule.</p>
      </div>
      <TableContainer label="Periodic tasks">
        <table className="data-table" data-testid="periodic-tasks">
          <caption className="sr-only">Periodic tasks</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Schedule</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col" className="hidden sm:table-cell">
                Runs
              </th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((task) => (
              <tr key={task.name} data-testid="periodic-task" data-task={task.name}>
                <th scope="row" className="font-normal">
                  <span className="block font-mono font-medium break-all">{task.name}</span>
                  <span className="block text-xs text-stone-600">{task.description}</span>
                </th>
                <td>
                  {task.schedule}
                  <code className="block text-xs text-stone-600">{task.cron}</code>
                </td>
                <td>
                  <DateTime value={task.nextRunAt} />
                </td>
                <td data-testid="last-run">
                  {task.lastRun ? (
                    <>
                      <Link href={`/admin/task-queue/runs/${task.lastRun.id}`} aria-label={`Last run of ${task.name}`}>
                        <DateTime value={task.lastRun.queuedAt} />
                      </Link>{" "}
                      <RunStatusBadge status={task.lastRun.status} />
                      {task.lastRun.message ? <span className="block max-w-xs text-xs break-words text-stone-600">{task.lastRun.message}</span> : null}
                    </>
                  ) : (
                    <span className="text-stone-600">Never</span>
                  )}
                </td>
                <td className="hidden sm:table-cell" data-testid="run-count">
                  {task.runCount}
                </td>
                <td>
                  <RunNowButton name={task.name} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableContainer>
    </div>
  );
}
