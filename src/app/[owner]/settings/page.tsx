import type { Metadata } from "next";
import { DateTime } from "@/components/date-time";
import { standingLabels } from "@/shared/organization-labels";
import { DeleteOrganizationForm, LeaveOrganizationButton } from "./general-forms";
import { organizationSettingsContext } from "./organization-context";

type Props = { params: Promise<{ owner: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `${decodeURIComponent((await params).owner)} settings` };
}

export default async function OrganizationGeneralSettingsPage({ params }: Props) {
  const { actor, organization, standing } = await organizationSettingsContext((await params).owner, "");
  const owners = organization.members!.filter((member) => member.role === "owner");
  const soleOwner = standing === "owner" && owners.length === 1 && owners[0]!.username === actor.user.username;
  const isMember = organization.members!.some((member) => member.username === actor.user.username);
  return (
    <div className="space-y-6">
      <h1>{organization.username}</h1>
      <section aria-labelledby="about-heading" className="card space-y-2">
        <h2 id="about-heading">About</h2>
        <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
          <dt className="font-medium text-stone-700">Name</dt>
          <dd>{organization.username}</dd>
          <dt className="font-medium text-stone-700">Created</dt>
          <dd>
            <DateTime value={organization.createdAt} />
          </dd>
          <dt className="font-medium text-stone-700">Your role</dt>
          <dd>{standingLabels[standing]}</dd>
          <dt className="font-medium text-stone-700">Owners</dt>
          <dd>{owners.map((owner) => owner.username).join(", ")}</dd>
        </dl>
      </section>
      {isMember ? (
        <section aria-labelledby="leave-heading" className="card space-y-3">
          <h2 id="leave-heading">Leave {organization.username}</h2>
          {soleOwner ? (
            <p className="text-sm text-stone-600">You are its only owner: make someone else an owner under Members before you leave, or delete the organization.</p>
          ) : (
            <>
              <p className="text-sm text-stone-600">You lose the access your membership and groups give you. An administrator can add you again.</p>
              <LeaveOrganizationButton organization={organization.username} username={actor.user.username} />
            </>
          )}
        </section>
      ) : null}
      {standing === "owner" ? (
        <section aria-labelledby="delete-heading" className="card space-y-3 border-red-200">
          <h2 id="delete-heading">Delete the organization</h2>
          <p className="text-sm text-stone-700">
            This deletes {organization.username} and everything it holds for good: its packages and their files (its channels stop answering), its
            groups, and every access token limited to its channel. Its administrators are told by e-mail. It cannot be undone.
          </p>
          <DeleteOrganizationForm organization={organization.username} />
        </section>
      ) : null}
    </div>
  );
}
