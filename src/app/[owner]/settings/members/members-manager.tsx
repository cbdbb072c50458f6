"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { RouterOutputs } from "@/client";
import { ConfirmAction } from "@/components/confirm-action";
import { DateTime } from "@/components/date-time";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { TableContainer } from "@/components/table-container";
import type { Standing } from "@/shared/organization-labels";
import { addMemberSchema } from "@/shared/schemas/organizations";
import { useTRPC } from "@/trpc/client";

type Member = RouterOutputs["organizations"]["members"]["members"][number];

function AddMemberForm({ organization, mayAddOwners, onAdded }: { organization: string; mayAddOwners: boolean; onAdded: (message: string) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const roleId = useId();
  const add = useMutation(trpc.organizations.addMember.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(addMemberSchema, {
    defaultValues: { organization, username: "", role: "member" },
    onSubmit: async (values) => {
      await add.mutateAsync(values);
      form.reset({ organization, username: "", role: "member" });
      onAdded(`${values.username} was added as ${values.role === "owner" ? "an owner" : "a member"} and has been told.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className={`grid gap-3 sm:items-start ${mayAddOwners ? "sm:grid-cols-[1fr_12rem_auto]" : "sm:grid-cols-[1fr_auto]"}`}>
      <div className={mayAddOwners ? "sm:col-span-3" : "sm:col-span-2"}>
        <FormMessage tone="error">{formError}</FormMessage>
      </div>
      <TextField label="Username" autoComplete="off" error={errors.username?.message} {...form.register("username")} />
      {/* Only owners make owners; administrators add members. */}
      {mayAddOwners ? (
        <div>
          <label htmlFor={roleId} className="label">
            Role
          </label>
          <select id={roleId} className="input" {...form.register("role")}>
            <option value="member">Member</option>
            <option value="owner">Owner</option>
          </select>
        </div>
      ) : null}
      <div className="sm:pt-6">
        <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Adding…">
          Add member
        </SubmitButton>
      </div>
    </form>
  );
}

export function MembersManager({
  organization,
  standing,
  currentUsername,
  members,
}: {
  organization: string;
  standing: Standing;
  currentUsername: string;
  members: Member[];
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [notice, setNotice] = useState("");
  const setRole = useMutation(trpc.organizations.setMemberRole.mutationOptions());
  const remove = useMutation(trpc.organizations.removeMember.mutationOptions());
  const administers = standing !== "member";
  const isOwner = standing === "owner";

  const done = (message: string) => {
    setNotice(message);
    router.refresh();
  };

  return (
    <div className="space-y-6">
      {administers ? (
        <section aria-labelledby="add-member-heading" className="card space-y-3">
          <h2 id="add-member-heading">Add a member</h2>
          <AddMemberForm organization={organization} mayAddOwners={isOwner} onAdded={setNotice} />
        </section>
      ) : null}
      <FormMessage tone="success">{notice}</FormMessage>
      <section aria-labelledby="members-heading" className="space-y-3">
        <h2 id="members-heading">
          {members.length} {members.length === 1 ? "member" : "members"}
        </h2>
        <TableContainer label={`Members of ${organization}`}>
          <table className="data-table">
            <caption className="sr-only">Members of {organization}</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Groups</th>
                <th scope="col" className="hidden md:table-cell">
                  Joined
                </th>
                {administers ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.map((member) => {
                const self = member.username === currentUsername;
                const mayRemove = !self && (member.role === "owner" ? isOwner : administers);
                return (
                  <tr key={member.username} data-testid="member-row" data-member={member.username}>
                    <td>
                      <span className="font-medium">{member.username}</span>
                      {self ? <span className="text-stone-600"> (you)</span> : null}
                      {member.name ? <span className="block text-xs text-stone-600">{member.name}</span> : null}
                    </td>
                    <td data-testid="member-role">{member.role === "owner" ? "Owner" : "Member"}</td>
                    <td>{member.groups.length ? member.groups.join(", ") : <span className="text-stone-500">—</span>}</td>
                    <td className="hidden whitespace-nowrap md:table-cell">
                      <DateTime value={member.joinedAt} />
                    </td>
                    {administers ? (
                      <td>
                        <div className="flex flex-wrap gap-2">
                          {isOwner ? (
                            member.role === "owner" ? (
                              <ConfirmAction
                                buttonContent="Make member"
                                buttonLabel={`Make ${member.username} a member`}
                                buttonClassName="button-secondary whitespace-nowrap px-2 py-1 text-xs"
                                title={`Make ${member.username} a member?`}
                                confirmLabel="Make member"
                                pendingLabel="Changing…"
                                onConfirm={async () => {
                                  await setRole.mutateAsync({ organization, username: member.username, role: "member" });
                                  done(`${member.username} is now a member.`);
                                }}
                              >
                                {self
                                  ? "You will no longer be an owner: you keep only what your groups give you."
                                  : `${member.username} will no longer administer ${organization}, only reach what their groups give them.`}
                              </ConfirmAction>
                            ) : (
                              <ConfirmAction
                                buttonContent="Make owner"
                                buttonLabel={`Make ${member.username} an owner`}
                                buttonClassName="button-secondary whitespace-nowrap px-2 py-1 text-xs"
                                title={`Make ${member.username} an owner?`}
                                confirmLabel="Make owner"
                                pendingLabel="Changing…"
                                onConfirm={async () => {
                                  await setRole.mutateAsync({ organization, username: member.username, role: "owner" });
                                  done(`${member.username} is now an owner.`);
                                }}
                              >
                                Owners administer {organization} and all its packages, its members, groups and plan, and can delete it.
                              </ConfirmAction>
                            )
                          ) : null}
                          {mayRemove ? (
                            <ConfirmAction
                              buttonContent={<span aria-hidden="true">✕</span>}
                              buttonLabel={`Remove ${member.username}`}
                              buttonClassName="rounded px-2 py-1 text-sm font-bold text-red-700 hover:bg-red-50"
                              title={`Remove ${member.username} from ${organization}?`}
                              confirmLabel="Remove"
                              pendingLabel="Removing…"
                              onConfirm={async () => {
                                await remove.mutateAsync({ organization, username: member.username });
                                done(`${member.username} was removed from ${organization}.`);
                              }}
                            >
                              They leave every group of {organization} too, and stop reaching its private packages at once.
                            </ConfirmAction>
                          ) : null}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableContainer>
      </section>
    </div>
  );
}
