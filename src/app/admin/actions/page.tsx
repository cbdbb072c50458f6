import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { LiveWorkers } from "../task-queue/live";
import { RestartWorkersButton } from "./restart-workers-button";

export const metadata: Metadata = { title: "Actions" };

/**
 * Seed 003's Actions: things done to the whole platform. For now only restarting the job workers; restarting the
 * platform and deleting all public objects (issue 12) get their own sections here.
 */
export default async function ActionsPage() {
  await requirePagePermission("admin:jobs:update", "/admin/actions");
  const workers = await (await getServerApi()).jobs.workers();
  return (
    <div className="space-y-6">
      <h1>Actions</h1>
      <section aria-labelledby="restart-workers-heading" className="card space-y-3">
        <h2 id="restart-workers-heading">Restart workers</h2>
        <p className="text-sm text-stone-700">
          Every running worker finishes its current tasks (or, after its grace period, hands them back to the queue) and starts again. The list below
          shows them stopping and coming back.
        </p>
        <RestartWorkersButton />
        <LiveWorkers initial={workers} />
      </section>
    </div>
  );
}
