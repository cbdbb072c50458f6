import type { Metadata } from "next";
import { accessLevelDescriptions, accessLevels } from "@/server/authz";
import { organizationSettingsContext } from "../organization-context";
import { GroupsManager } from "./groups-manager";

type Props = { params: Promise<{ owner: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Groups of ${decodeURIComponent((await params).owner)}` };
}

export default async function OrganizationGroupsPage({ params }: Props) {
  const { api, organization, administers } = await organizationSettingsContext((await params).owner, "/groups");
  const [{ groups }, packages] = await Promise.all([
    api.organizations.groups({ organization: organization.username }),
    api.packages.listByOwner({ owner: organization.username, kind: "all", page: 1, pageSize: 100 }),
  ]);
  return (
    <div className="space-y-4">
      <div>
        <h1>Groups</h1>
        <p className="max-w-3xl text-sm text-stone-600">
          A group gives its members one permission over every package of {organization.username}, or over the packages chosen for it. An
          Administration group over every package makes its members administrators of the organization.
        </p>
      </div>
      <GroupsManager
        organization={organization.username}
        administers={administers}
        groups={groups}
        packageNames={packages.items.map((item) => item.name)}
        levels={accessLevels.map((level) => ({ level, ...accessLevelDescriptions[level] }))}
      />
    </div>
  );
}
