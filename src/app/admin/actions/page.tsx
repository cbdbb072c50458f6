import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { LiveWorkers } from "../task-queue/live";
import { PlatformActions } from "./platform-actions";
import { RestartWorkersButton } from "./restart-workers-button";
import { TransferTokenSection } from "./transfer-token";
import { WorkerReloads } from "./worker-reloads";

export const metadata: Metadata = { title: "Actions" };

/**
 * Seed 003's Actions: things done to the whole platform. Read-only mode and restarting the platform first, then
 * restarting the job workers, getting a transfer token for copying the applications to another Granary, and deleting all public objects last, in the danger zone.
 */
export default async function ActionsPage() {
  await requirePagePermission("admin:platform:update", "/admin/actions");
  const api = await getServerApi();
  const [status, workers] = await Promise.all([api.platformActions.status(), api.jobs.workers()]);
  return (
    <div className="space-y-6">
      <h1>Actions</h1>
      <PlatformActions initial={status}>
        <section aria-labelledby="restart-workers-heading" className="card space-y-3">
          <h2 id="restart-workers-heading">Restart workers</h2>
          <p className="text-sm text-stone-700">
            Every running worker finishes its current tasks (or, after its grace period, hands them back to the queue), reloads the active applications&apos;
            current versions and starts again; queued tasks wait in the queue meanwhile. The list below shows them stopping and coming back.
          </p>
          <RestartWorkersButton />
          <WorkerReloads initial={workers} />
          <LiveWorkers initial={workers} />
        </section>
        <TransferTokenSection />
      </PlatformActions>
    </div>
  );
}
