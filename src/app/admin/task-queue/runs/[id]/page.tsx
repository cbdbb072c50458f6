import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePagePermission } from "@/server/auth/guards";
import { jobRunIdSchema } from "@/shared/schemas/jobs";
import { getServerApi } from "@/trpc/server";
import { RunDetail } from "./run-detail";

export const metadata: Metadata = { title: "Task" };

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const parsed = jobRunIdSchema.safeParse({ id: (await params).id });
  if (!parsed.success) notFound();
  await requirePagePermission("admin:jobs:read", `/admin/task-queue/runs/${parsed.data.id}`);
  const run = await (await getServerApi()).jobs.run(parsed.data).catch(() => notFound());
  return (
    <article className="space-y-4">
      <Link href={`/admin/task-queue/${run.queue}`}>← Queue {run.queue}</Link>
      <h1 className="break-all">{run.jobName}</h1>
      <RunDetail initial={run} />
    </article>
  );
}
