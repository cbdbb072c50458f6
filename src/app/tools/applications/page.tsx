import type { Metadata } from "next";
import Link from "next/link";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { RunTaskForm } from "./run-task-form";

export const metadata: Metadata = { title: "Applications" };

/** Tools → Applications: the tasks of the active applications, each with its description and a form to run it. */
export default async function ToolsApplicationsPage() {
  await requireSignedIn("/tools/applications");
  const tasks = await (await getServerApi()).tasks.list();
  const byApplication = new Map<string, { name: string; tasks: typeof tasks }>();
  for (const task of tasks) {
    const entry = byApplication.get(task.applicationId) ?? { name: task.application, tasks: [] };
    entry.tasks.push(task);
    byApplication.set(task.applicationId, entry);
  }
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1>Applications</h1>
          <p className="text-sm text-stone-600">The tasks of the applications installed on this Granary. Each run happens in the background; its page shows its progress and results.</p>
        </div>
        <Link href="/tools/applications/runs" className="button-secondary">
          Your runs
        </Link>
      </div>
      {byApplication.size === 0 ? (
        <p className="card text-sm text-stone-700" data-testid="no-tasks">
          No application with tasks is active yet. Site administrators install them in Admin → Applications.
        </p>
      ) : (
        [...byApplication.entries()].map(([applicationId, application]) => (
          <section key={applicationId} aria-labelledby={`application-${applicationId}`} className="card space-y-4" data-testid="tools-application">
            <h2 id={`application-${applicationId}`} className="break-words">
              {application.name}
            </h2>
            <ul className="space-y-4">
              {application.tasks.map((task) => (
                <li key={task.name} className="space-y-2 border-t border-stone-200 pt-3 first:border-t-0 first:pt-0" data-testid="tools-task" data-task={task.name}>
                  <h3 className="text-base font-semibold">{task.name}</h3>
                  {task.description ? <p className="text-sm text-stone-700">{task.description}</p> : null}
                  <details>
                    <summary className="cursor-pointer text-sm font-semibold">Run {task.name}</summary>
                    <RunTaskForm applicationId={applicationId} task={task.name} inputSchema={task.inputSchema} />
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
