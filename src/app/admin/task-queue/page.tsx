import type { Metadata } from "next";
import { requirePagePermission } from "@/server/auth/guards";
import { getServerApi } from "@/trpc/server";
import { LiveQueues, LiveWorkers } from "./live";

export const metadata: Metadata = { title: "Task Queue" };

/** Seed 000's Task Queue: who runs jobs, and what waits, runs and failed in each queue. */
export default async function TaskQueuePage() {
  await requirePagePermission("admin:jobs:read", "/admin/task-queue");
  const api = await getServerApi();
  const [workers, queues] = await Promise.all([api.jobs.workers(), api.jobs.queues()]);
  return (
    <div className="space-y-6">
      <div>
        <h1>Task Queue</h1>
        <p className="text-sm text-stone-600">Updated every few seconds. A worker without a heartbeat for {workers.lostAfterSeconds} seconds is shown as lost.</p>
      </div>
      <section aria-labelledby="workers-heading" className="space-y-2">
        <h2 id="workers-heading">Workers</h2>
        <LiveWorkers initial={workers} />
      </section>
      <section aria-labelledby="queues-heading" className="space-y-2">
        <h2 id="queues-heading">Queues</h2>
        <LiveQueues initial={queues} />
      </section>
    </div>
  );
}
