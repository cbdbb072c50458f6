import type { Metadata } from "next";
import { accessLevelDescriptions, accessLevels } from "@/server/authz";
import { nullWhenMissing } from "@/trpc/server";
import { packageSettingsContext } from "../package-context";
import { CollaboratorsManager } from "./collaborators-manager";

type Props = { params: Promise<{ owner: string; package: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { owner, package: name } = await params;
  return { title: `Collaborators of ${decodeURIComponent(owner)}/${decodeURIComponent(name)}` };
}

export default async function CollaboratorsPage({ params }: Props) {
  const { api, pkg } = await packageSettingsContext(params, "collaborators");
  const access = await api.packages.access({ owner: pkg.owner, name: pkg.name });
  // Suggestions for Add group: the organization's groups, when the caller may list them.
  const organizationGroups =
    access.ownerKind === "organization" ? ((await api.organizations.groups({ organization: access.owner }).catch(nullWhenMissing))?.groups ?? []) : [];
  return (
    <div className="space-y-4">
      <div>
        <h1>Collaborators</h1>
        <p className="max-w-3xl text-sm text-stone-600">
          Who may reach {pkg.name} besides the public{pkg.isPrivate ? "" : " (it is public: anyone may read it)"}. Collaborators read and write it, even
          when it is private; {access.ownerKind === "organization" ? "groups give their members their permission; " : ""}owners administer it.
        </p>
      </div>
      <CollaboratorsManager
        access={access}
        groupNames={organizationGroups.map((group) => group.name)}
        levels={accessLevels.map((level) => ({ level, ...accessLevelDescriptions[level] }))}
        ownerLevelLabel={accessLevelDescriptions.admin.label}
      />
    </div>
  );
}
