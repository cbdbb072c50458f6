import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { routeParam } from "@/components/route-param";
import { requireSignedIn } from "@/server/auth/guards";
import { taskRunIdSchema } from "@/shared/schemas/application-tasks";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";
import { RunPanel } from "./run-panel";

export const metadata: Metadata = { title: "Task run" };

export default async function TaskRunPage({ params }: { params: Promise<{ id: string }> }) {
  const id = routeParam((await params).id);
  await requireSignedIn(`/tools/applications/runs/${encodeURIComponent(id)}`);
  if (!taskRunIdSchema.safeParse({ id }).success) notFound();
  const initial = await (await getServerApi()).tasks.run({ id }).catch(notFoundWhenMissing);
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/tools/applications/runs">← Task runs</Link>
      </p>
      <RunPanel initial={initial} />
    </div>
  );
}
