import "server-only";
import { notFound } from "next/navigation";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";

/** A package's settings exist only for those who administer it; for anyone else there is no such page. */
export async function packageSettingsContext(params: Promise<{ owner: string; package: string }>, subpage: string) {
  const { owner, package: name } = await params;
  const ref = { owner: decodeURIComponent(owner), name: decodeURIComponent(name) };
  const actor = await requireSignedIn(`/${encodeURIComponent(ref.owner)}/${encodeURIComponent(ref.name)}/settings/${subpage}`);
  const api = await getServerApi();
  const pkg = await api.packages.get(ref).catch(notFoundWhenMissing);
  if (!pkg.access.can.manageCollaborators) notFound();
  return { api, actor, pkg };
}
