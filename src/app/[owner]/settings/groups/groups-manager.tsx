"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { useController, type Control, type FieldValues, type Path, type UseFormRegister } from "react-hook-form";
import type { RouterOutputs } from "@/client";
import { ConfirmAction } from "@/components/confirm-action";
import { FormMessage, SubmitButton, TextField, useSubmitForm } from "@/components/form";
import { createGroupSchema, groupMemberSchema, packageGroupSchema, updateGroupSchema } from "@/shared/schemas/organizations";
import { useTRPC } from "@/trpc/client";

type Group = RouterOutputs["organizations"]["groups"]["groups"][number];
type Level = Group["level"];

/** The access levels with the labels and descriptions of the policy's table (access-levels.ts), from the page. */
export interface LevelChoice {
  level: Level;
  label: string;
  description: string;
}

const removeButton = "rounded px-1.5 text-sm font-bold text-red-700 hover:bg-red-50";

function LevelFieldset<Values extends FieldValues>({
  levels,
  register,
  error,
}: {
  levels: LevelChoice[];
  register: UseFormRegister<Values>;
  error?: string;
}) {
  const errorId = useId();
  return (
    <fieldset className="space-y-2" aria-describedby={error ? errorId : undefined}>
      <legend className="label">Permission</legend>
      <div className="grid gap-2 md:grid-cols-3">
        {levels.map((choice) => (
          <label key={choice.level} className="flex items-start gap-2 rounded-md border border-stone-200 p-2 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
            <input type="radio" value={choice.level} className="mt-1 h-4 w-4" {...register("level" as Path<Values>)} />
            <span>
              <span className="font-semibold">{choice.label}</span>
              <span className="block text-stone-600">{choice.description}</span>
            </span>
          </label>
        ))}
      </div>
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** Every package or chosen ones: a boolean in the schema, two radio buttons on the page. */
function ReachFieldset<Values extends FieldValues>({ control, organization }: { control: Control<Values>; organization: string }) {
  const { field } = useController({ control, name: "reachesAllPackages" as Path<Values> });
  const name = useId();
  const options = [
    { value: true, label: `Every package of ${organization}`, hint: "Present and future ones." },
    { value: false, label: "Only the packages chosen for it", hint: "Add them to the group here, or from a package's Settings → Collaborators." },
  ];
  return (
    <fieldset className="space-y-2">
      <legend className="label">Packages</legend>
      <div className="grid gap-2 md:grid-cols-2">
        {options.map((option) => (
          <label key={String(option.value)} className="flex items-start gap-2 rounded-md border border-stone-200 p-2 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
            <input
              type="radio"
              name={name}
              className="mt-1 h-4 w-4"
              checked={field.value === option.value}
              onChange={() => field.onChange(option.value)}
              onBlur={field.onBlur}
            />
            <span>
              <span className="font-semibold">{option.label}</span>
              <span className="block text-stone-600">{option.hint}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function NewGroupForm({ organization, levels, onCreated }: { organization: string; levels: LevelChoice[]; onCreated: (name: string) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const create = useMutation(trpc.organizations.createGroup.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(createGroupSchema, {
    defaultValues: { organization, name: "", level: "read", reachesAllPackages: true },
    hiddenFields: ["organization"],
    onSubmit: async (values) => {
      const group = await create.mutateAsync(values);
      onCreated(group.name);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="New group">
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="Group name" autoComplete="off" autoFocus error={errors.name?.message} {...form.register("name")} />
      <LevelFieldset levels={levels} register={form.register} error={errors.level?.message} />
      <ReachFieldset control={form.control} organization={organization} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…">
        Save group
      </SubmitButton>
    </form>
  );
}

function EditGroupForm({ organization, group, levels, onSaved }: { organization: string; group: Group; levels: LevelChoice[]; onSaved: (message: string) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const update = useMutation(trpc.organizations.updateGroup.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(updateGroupSchema, {
    defaultValues: { organization, group: group.name, name: group.name, level: group.level, reachesAllPackages: group.reachesAllPackages },
    hiddenFields: ["organization", "group"],
    onSubmit: async (values) => {
      await update.mutateAsync(values);
      onSaved(`Saved the group ${values.name ?? group.name}.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label={`Edit ${group.name}`}>
      <FormMessage tone="error">{formError}</FormMessage>
      <TextField label="Group name" autoComplete="off" error={errors.name?.message} {...form.register("name")} />
      <LevelFieldset levels={levels} register={form.register} error={errors.level?.message} />
      <ReachFieldset control={form.control} organization={organization} />
      <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Saving…" className="button-secondary">
        Save changes
      </SubmitButton>
    </form>
  );
}

function AddGroupMemberForm({ organization, group, onAdded }: { organization: string; group: string; onAdded: (message: string) => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const add = useMutation(trpc.organizations.addGroupMember.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(groupMemberSchema, {
    defaultValues: { organization, group, username: "" },
    hiddenFields: ["organization", "group"],
    onSubmit: async (values) => {
      await add.mutateAsync(values);
      form.reset({ organization, group, username: "" });
      onAdded(`${values.username} is now in ${group}, and has been told.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-2">
      <FormMessage tone="error">{formError}</FormMessage>
      <div className="flex flex-wrap items-start gap-2">
        <div className="min-w-0 flex-1">
          <TextField label={`Add a member to ${group}`} placeholder="Username" autoComplete="off" error={errors.username?.message} {...form.register("username")} />
        </div>
        <div className="pt-6">
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Adding…" className="button-secondary">
            Add
          </SubmitButton>
        </div>
      </div>
    </form>
  );
}

function AddGroupPackageForm({
  organization,
  group,
  packageNames,
  onAdded,
}: {
  organization: string;
  group: string;
  packageNames: string[];
  onAdded: (message: string) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const listId = useId();
  const add = useMutation(trpc.packages.addGroup.mutationOptions());
  const { form, errors, formError, submit } = useSubmitForm(packageGroupSchema, {
    defaultValues: { owner: organization, group, name: "" },
    hiddenFields: ["owner", "group"],
    onSubmit: async (values) => {
      await add.mutateAsync(values);
      form.reset({ owner: organization, group, name: "" });
      onAdded(`${group} now reaches ${values.name}.`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={submit} noValidate className="space-y-2">
      <FormMessage tone="error">{formError}</FormMessage>
      <div className="flex flex-wrap items-start gap-2">
        <div className="min-w-0 flex-1">
          <TextField label={`Add a package to ${group}`} placeholder="Package name" autoComplete="off" list={listId} error={errors.name?.message} {...form.register("name")} />
          <datalist id={listId}>
            {packageNames.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
        </div>
        <div className="pt-6">
          <SubmitButton pending={form.formState.isSubmitting} pendingLabel="Adding…" className="button-secondary">
            Add
          </SubmitButton>
        </div>
      </div>
    </form>
  );
}

function GroupCard({
  organization,
  group,
  administers,
  levels,
  packageNames,
  announce,
}: {
  organization: string;
  group: Group;
  administers: boolean;
  levels: LevelChoice[];
  packageNames: string[];
  announce: (message: string) => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const editId = useId();
  const removeMember = useMutation(trpc.organizations.removeGroupMember.mutationOptions());
  const removePackage = useMutation(trpc.packages.removeGroup.mutationOptions());
  const deleteGroup = useMutation(trpc.organizations.deleteGroup.mutationOptions());
  const headingId = useId();
  const description = levels.find((choice) => choice.level === group.level)?.description;

  return (
    <article aria-labelledby={headingId} className="card space-y-4" data-testid="group" data-group={group.name}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h3 id={headingId} className="text-base font-semibold break-words">
            {group.name}
          </h3>
          <p className="text-sm text-stone-700">
            <span className="font-medium" data-testid="group-level">
              {group.levelLabel}
            </span>{" "}
            · {group.reachesAllPackages ? `every package of ${organization}` : "the packages chosen for it"}
          </p>
          {description ? <p className="text-xs text-stone-600">{description}</p> : null}
        </div>
        {administers ? (
          <div className="flex flex-wrap gap-2">
            <button type="button" className="button-secondary px-3 py-1 text-xs" aria-expanded={editing} aria-controls={editId} onClick={() => setEditing((value) => !value)}>
              {editing ? "Close" : "Edit"} <span className="sr-only">{group.name}</span>
            </button>
            <ConfirmAction
              buttonContent="Delete"
              buttonLabel={`Delete ${group.name}`}
              buttonClassName="button-danger px-3 py-1 text-xs"
              title={`Delete the group ${group.name}?`}
              confirmLabel="Delete group"
              pendingLabel="Deleting…"
              onConfirm={async () => {
                await deleteGroup.mutateAsync({ organization, group: group.name });
                announce(`Deleted the group ${group.name}.`);
                router.refresh();
              }}
            >
              Its {group.members.length} {group.members.length === 1 ? "member loses" : "members lose"} the access it gives, at once. They stay members of {organization}.
            </ConfirmAction>
          </div>
        ) : null}
      </div>

      {editing ? (
        <div id={editId} className="rounded-md border border-stone-200 p-4">
          <EditGroupForm
            organization={organization}
            group={group}
            levels={levels}
            onSaved={(message) => {
              setEditing(false);
              announce(message);
            }}
          />
        </div>
      ) : null}

      <div className={`grid gap-4 ${group.reachesAllPackages ? "" : "md:grid-cols-2"}`}>
        <section aria-label={`Members of ${group.name}`} className="space-y-2">
          <h4 className="text-sm font-semibold">Members ({group.members.length})</h4>
          {group.members.length === 0 ? (
            <p className="text-sm text-stone-600">No members yet.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" data-testid="group-members">
              {group.members.map((username) => (
                <li key={username} className="flex items-center gap-1 rounded-full border border-stone-300 bg-white py-0.5 pr-1 pl-3 text-sm">
                  {username}
                  {administers ? (
                    <ConfirmAction
                      buttonContent={<span aria-hidden="true">✕</span>}
                      buttonLabel={`Remove ${username} from ${group.name}`}
                      buttonClassName={removeButton}
                      title={`Remove ${username} from ${group.name}?`}
                      confirmLabel="Remove"
                      pendingLabel="Removing…"
                      onConfirm={async () => {
                        await removeMember.mutateAsync({ organization, group: group.name, username });
                        announce(`Removed ${username} from ${group.name}.`);
                        router.refresh();
                      }}
                    >
                      {username} stays a member of {organization}, without what {group.name} gives.
                    </ConfirmAction>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {administers ? <AddGroupMemberForm organization={organization} group={group.name} onAdded={announce} /> : null}
        </section>

        {group.reachesAllPackages ? null : (
          <section aria-label={`Packages of ${group.name}`} className="space-y-2">
            <h4 className="text-sm font-semibold">Packages ({group.packages.length})</h4>
            {group.packages.length === 0 ? (
              <p className="text-sm text-stone-600">None chosen yet: the group reaches nothing.</p>
            ) : (
              <ul className="flex flex-wrap gap-2" data-testid="group-packages">
                {group.packages.map((name) => (
                  <li key={name} className="flex items-center gap-1 rounded-full border border-stone-300 bg-white py-0.5 pr-1 pl-3 text-sm">
                    <Link href={`/${encodeURIComponent(organization)}/${encodeURIComponent(name)}`}>{name}</Link>
                    {administers ? (
                      <ConfirmAction
                        buttonContent={<span aria-hidden="true">✕</span>}
                        buttonLabel={`Take ${name} from ${group.name}`}
                        buttonClassName={removeButton}
                        title={`Take ${name} from ${group.name}?`}
                        confirmLabel="Take it away"
                        pendingLabel="Removing…"
                        onConfirm={async () => {
                          await removePackage.mutateAsync({ owner: organization, name, group: group.name });
                          announce(`${group.name} no longer reaches ${name}.`);
                          router.refresh();
                        }}
                      >
                        The members of {group.name} stop reaching {name} through it.
                      </ConfirmAction>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
            {administers ? <AddGroupPackageForm organization={organization} group={group.name} packageNames={packageNames.filter((name) => !group.packages.includes(name))} onAdded={announce} /> : null}
          </section>
        )}
      </div>
    </article>
  );
}

export function GroupsManager({
  organization,
  administers,
  groups,
  packageNames,
  levels,
}: {
  organization: string;
  administers: boolean;
  groups: Group[];
  packageNames: string[];
  levels: LevelChoice[];
}) {
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState("");
  const formId = useId();
  return (
    <div className="space-y-6">
      {administers ? (
        <div className="space-y-3">
          <button type="button" className="button" aria-expanded={creating} aria-controls={formId} onClick={() => setCreating((value) => !value)}>
            {creating ? "Cancel" : "+ New group"}
          </button>
          {creating ? (
            <section id={formId} aria-labelledby={`${formId}-heading`} className="card space-y-3">
              <h2 id={`${formId}-heading`}>New group</h2>
              <NewGroupForm
                organization={organization}
                levels={levels}
                onCreated={(name) => {
                  setCreating(false);
                  setNotice(`Created the group ${name}. Add its members below.`);
                }}
              />
            </section>
          ) : null}
        </div>
      ) : null}
      <FormMessage tone="success">{notice}</FormMessage>
      <section aria-labelledby="groups-heading" className="space-y-3">
        <h2 id="groups-heading">
          {groups.length} {groups.length === 1 ? "group" : "groups"}
        </h2>
        {groups.length === 0 ? (
          <p className="text-sm text-stone-600">No groups yet. Owners reach every package; others reach only what groups and collaborations give them.</p>
        ) : (
          groups.map((group) => (
            <GroupCard key={group.name} organization={organization} group={group} administers={administers} levels={levels} packageNames={packageNames} announce={setNotice} />
          ))
        )}
      </section>
    </div>
  );
}
