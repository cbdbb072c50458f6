import type { Metadata } from "next";
import { organizationSettingsContext } from "../organization-context";
import { MembersManager } from "./members-manager";

type Props = { params: Promise<{ owner: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Members of ${decodeURIComponent((await params).owner)}` };
}

export default async function OrganizationMembersPage({ params }: Props) {
  const { api, actor, organization, standing, administers } = await organizationSettingsContext((await params).owner, "/members");
  const { members } = await api.organizations.members({ organization: organization.username });
  return (
    <div className="space-y-4">
      <div>
        <h1>Members</h1>
        <p className="max-w-3xl text-sm text-stone-600">
          Owners administer {organization.username} and every package it publishes; there is always at least one. Members reach what their groups
          give them. {administers ? "People you add are notified on their dashboard and by e-mail." : "Administrators add and remove members."}
        </p>
      </div>
      <MembersManager organization={organization.username} standing={standing} currentUsername={actor.user.username} members={members} />
    </div>
  );
}
