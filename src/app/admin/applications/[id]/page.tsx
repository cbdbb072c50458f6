import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { routeParam } from "@/components/route-param";
import { requirePagePermission } from "@/server/auth/guards";
import { applicationIdSchema } from "@/shared/schemas/applications";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";
import { ApplicationPanel } from "./application-panel";

export const metadata: Metadata = { title: "Application" };

export default async function ApplicationPage({ params }: { params: Promise<{ id: string }> }) {
  const id = routeParam((await params).id);
  await requirePagePermission("admin:applications:read", `/admin/applications/${encodeURIComponent(id)}`);
  if (!applicationIdSchema.safeParse({ id }).success) notFound();
  const initial = await (await getServerApi()).applications.get({ id }).catch(notFoundWhenMissing);
  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin/applications">← Applications</Link>
      </p>
      <ApplicationPanel initial={initial} />
    </div>
  );
}
