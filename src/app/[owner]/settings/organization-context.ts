import "server-only";
import { notFound, redirect } from "next/navigation";
import { requireSignedIn } from "@/server/auth/guards";
import { getServerApi, notFoundWhenMissing } from "@/trpc/server";

/**
 * What every page of an organization's settings starts from: the signed-in member and the organization. Anyone
 * else finds no such page; a person's own name leads to their account's settings.
 */
export async function organizationSettingsContext(ownerParam: string, subpage: string) {
  const name = decodeURIComponent(ownerParam);
  const actor = await requireSignedIn(`/${encodeURIComponent(name)}/settings${subpage}`);
  if (name.toLowerCase() === actor.user.username.toLowerCase()) redirect("/settings/account");
  const api = await getServerApi();
  const organization = await api.organizations.get({ organization: name }).catch(notFoundWhenMissing);
  if (!organization.standing || !organization.members) notFound();
  return { api, actor, organization, standing: organization.standing, administers: organization.standing !== "member" };
}
