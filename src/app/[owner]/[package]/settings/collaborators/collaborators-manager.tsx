"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { RouterOutputs } from "@/client";
import { ConfirmAction } from "@/components/confirm-action";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { TableContainer } from "@/components/table-container";
import { collaboratorSchema, packageGroupSchema } from "@/shared/schemas/organizations";
import { useTRPC } from "@/trpc/client";

type Access = RouterOutputs["packages"]["access"];
type Level = Access["groups"][number]["level"];

interface LevelChoice {
  level: Level;
  label: string;
  description: string;
}

const removeButton = "rounded px-2 py-0.5 text-base font-bold text-red-700 hover:bg-red-50";

function AddCollaboratorForm({ owner, name, onAdded }: { owner: string; name: string; onAdded: (message: string) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const add = useMutation(trpc.packages.addCollaborator.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(collaboratorSchema, {
    defaultValues: { owner, name, username: "" },
    hiddenFields: ["owner", "name"],
    onSubmit: async (values) => {
      await add.mutateAsync(values);
      form.reset({ owner, name, username: "" });
      onAdded(`${values.username} can now read and write ${name}, and has been told.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <FormMessage tone="error">{formError}</FormMessage>
      <div className="flex flex-wrap items-start gap-2">
        <div className="min-w-0 flex-1">
          <TextField label="Username" autoComplete="off" hint="They get Read-Write access, even while the package is private." error={errors.username?.message} {...form.register("username")} />
        </div>
        <div className="pt-6">
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Adding…">
            Add
          </SubmitButton>
        </div>
      </div>
    </form>
  );
}

function AddGroupForm({
  owner,
  name,
  groupNames,
  suggestions,
  levels,
  onAdded,
}: {
  owner: string;
  name: string;
  /** Every group of the organization, to tell an existing group from a new one. */
  groupNames: string[];
  /** Those that do not reach the package yet. */
  suggestions: string[];
  levels: LevelChoice[];
  onAdded: (message: string) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const listId = useId();
  const levelId = useId();
  const add = useMutation(trpc.packages.addGroup.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(packageGroupSchema, {
    defaultValues: { owner, name, group: "", level: "read" },
    hiddenFields: ["owner", "name"],
    onSubmit: async (values) => {
      const existed = groupNames.some((existing) => existing.toLowerCase() === values.group.toLowerCase());
      await add.mutateAsync(values);
      form.reset({ owner, name, group: "", level: "read" });
      onAdded(existed ? `${values.group} now reaches ${name}.` : `Created the group ${values.group}, which reaches ${name}. Add its members under the organization's groups.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <FormMessage tone="error">{formError}</FormMessage>
      <div className="grid gap-3 sm:grid-cols-[1fr_14rem_auto] sm:items-start">
        <div>
          <TextField
            label="Group"
            autoComplete="off"
            list={listId}
            hint="An existing group's name, or a new one: it is created here, over selected packages."
            error={errors.group?.message}
            {...form.register("group")}
          />
          <datalist id={listId}>
            {suggestions.map((group) => (
              <option key={group} value={group} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor={levelId} className="label">
            Permission of a new group
          </label>
          <select id={levelId} className="input" {...form.register("level")}>
            {levels.map((choice) => (
              <option key={choice.level} value={choice.level}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div className="sm:pt-6">
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Adding…">
            Add group
          </SubmitButton>
        </div>
      </div>
    </form>
  );
}

export function CollaboratorsManager({ access, groupNames, levels, ownerLevelLabel }: { access: Access; groupNames: string[]; levels: LevelChoice[]; ownerLevelLabel: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [notice, setNotice] = useState("");
  const removeCollaborator = useMutation(trpc.packages.removeCollaborator.mutationOptions());
  const removeGroup = useMutation(trpc.packages.removeGroup.mutationOptions());
  const organization = access.ownerKind === "organization";
  const { owner, name } = access;

  return (
    <div className="space-y-6">
      <FormMessage tone="success">{notice}</FormMessage>
      <section aria-labelledby="access-heading" className="space-y-3">
        <h2 id="access-heading">Who has access</h2>
        <TableContainer label={`Who has access to ${name}`}>
          <table className="data-table">
            <caption className="sr-only">Owners, collaborators and groups with access to {name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">As</th>
                <th scope="col">Permission</th>
                <th scope="col">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {access.owners.map((username) => (
                <tr key={`owner-${username}`} data-testid="access-row" data-name={username}>
                  <td className="font-medium">{username}</td>
                  <td>{organization ? `Owner of ${owner}` : "Owner"}</td>
                  <td>{ownerLevelLabel}</td>
                  <td />
                </tr>
              ))}
              {access.collaborators.map((collaborator) => (
                <tr key={`user-${collaborator.username}`} data-testid="access-row" data-name={collaborator.username}>
                  <td className="font-medium">{collaborator.username}</td>
                  <td>Collaborator</td>
                  <td>{collaborator.levelLabel}</td>
                  <td>
                    <ConfirmAction
                      buttonContent={<span aria-hidden="true">✕</span>}
                      buttonLabel={`Remove ${collaborator.username}`}
                      buttonClassName={removeButton}
                      title={`Remove ${collaborator.username} from ${name}?`}
                      confirmLabel="Remove"
                      pendingLabel="Removing…"
                      onConfirm={async () => {
                        await removeCollaborator.mutateAsync({ owner, name, username: collaborator.username });
                        setNotice(`${collaborator.username} no longer collaborates on ${name}.`);
                        router.refresh();
                      }}
                    >
                      {collaborator.username} stops reaching {name} at once, unless a group or the package&apos;s being public still lets them.
                    </ConfirmAction>
                  </td>
                </tr>
              ))}
              {access.groups.map((group) => (
                <tr key={`group-${group.name}`} data-testid="access-row" data-name={group.name}>
                  <td className="font-medium">{group.name}</td>
                  <td>{group.reachesAllPackages ? `Group (every package of ${owner})` : "Group"}</td>
                  <td>{group.levelLabel}</td>
                  <td>
                    {group.reachesAllPackages ? (
                      <span className="text-xs text-stone-600">Change it under the organization&apos;s groups</span>
                    ) : (
                      <ConfirmAction
                        buttonContent={<span aria-hidden="true">✕</span>}
                        buttonLabel={`Remove the group ${group.name}`}
                        buttonClassName={removeButton}
                        title={`Take ${name} from the group ${group.name}?`}
                        confirmLabel="Remove"
                        pendingLabel="Removing…"
                        onConfirm={async () => {
                          await removeGroup.mutateAsync({ owner, name, group: group.name });
                          setNotice(`The group ${group.name} no longer reaches ${name}.`);
                          router.refresh();
                        }}
                      >
                        Its members stop reaching {name} through it. The group itself stays.
                      </ConfirmAction>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableContainer>
      </section>
      <section aria-labelledby="add-collaborator-heading" className="card space-y-3">
        <h2 id="add-collaborator-heading">Add a collaborator</h2>
        <AddCollaboratorForm owner={owner} name={name} onAdded={setNotice} />
      </section>
      {organization ? (
        <section aria-labelledby="add-group-heading" className="card space-y-3">
          <h2 id="add-group-heading">Add group</h2>
          <AddGroupForm
            owner={owner}
            name={name}
            groupNames={groupNames}
            suggestions={groupNames.filter((group) => !access.groups.some((existing) => existing.name === group))}
            levels={levels}
            onAdded={setNotice}
          />
        </section>
      ) : null}
    </div>
  );
}
