/**
 * Package Settings → Collaborators: who may reach a package besides its owner. People are added as collaborators
 * (read and write, even on a private package, as on anaconda.org); an organization's packages are also given to its
 * groups, creating the group on the spot when it does not exist yet (seed 002). Each change moves the owner's
 * channel revision, so no cached index keeps showing what the change makes untrue.
 */
import { and, asc, eq, or, sql } from "drizzle-orm";
import { z } from "zod";
import { collaboratorSchema, packageGroupSchema } from "@/shared/schemas/organizations";
import { packageRefSchema } from "@/shared/schemas/packages";
import { accessLevelDescriptions, assertCan, assertPackageAction, type Actor } from "../authz";
import type { Db } from "../db";
import { groupPackages, groups, organizationMembers, packageCollaborators, users } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { findGroup, insertGroup } from "./groups";
import { notify } from "./notifications";
import { requirePerson } from "./organizations";
import { bumpChannelRevision, forgetCachedChannel } from "./owners";
import { loadVisiblePackage } from "./packages";

/** Everyone with access to the package beyond the public: its owners, collaborators and groups, with their levels. */
export async function listPackageAccess(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>) {
  assertCan(actor, "package:read");
  const input = packageRefSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "manageCollaborators");
  const [collaborators, packageGroups, owners] = await Promise.all([
    db
      .select({ username: users.username, addedAt: packageCollaborators.createdAt })
      .from(packageCollaborators)
      .innerJoin(users, eq(users.id, packageCollaborators.userId))
      .where(eq(packageCollaborators.packageId, pkg.id))
      .orderBy(asc(sql`lower(${users.username})`)),
    db
      .select({ name: groups.name, level: groups.level, reachesAllPackages: groups.reachesAllPackages })
      .from(groups)
      .where(
        and(
          eq(groups.organizationId, owner.id),
          or(groups.reachesAllPackages, sql`exists (select 1 from ${groupPackages} where ${groupPackages.groupId} = ${groups.id} and ${groupPackages.packageId} = ${pkg.id})`),
        ),
      )
      .orderBy(asc(sql`lower(${groups.name})`)),
    owner.kind === "organization"
      ? db
          .select({ username: users.username })
          .from(organizationMembers)
          .innerJoin(users, eq(users.id, organizationMembers.userId))
          .where(and(eq(organizationMembers.organizationId, owner.id), eq(organizationMembers.role, "owner")))
      : Promise.resolve([{ username: owner.username }]),
  ]);
  return {
    owner: owner.username,
    ownerKind: owner.kind,
    name: pkg.name,
    owners: owners.map((row) => row.username),
    collaborators: collaborators.map((row) => ({ ...row, level: "write" as const, levelLabel: accessLevelDescriptions.write.label })),
    groups: packageGroups.map((row) => ({ ...row, levelLabel: accessLevelDescriptions[row.level].label })),
  };
}

export async function addCollaborator(db: Db, actor: Actor, rawInput: z.input<typeof collaboratorSchema>) {
  assertCan(actor, "package:share");
  const input = collaboratorSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "manageCollaborators");
  const person = await requirePerson(db, input.username);
  if (person.id === owner.id) throw AppError.field("username", `${person.username} owns ${pkg.name} already.`);
  await db.transaction(async (tx) => {
    const added = await tx
      .insert(packageCollaborators)
      .values({ packageId: pkg.id, userId: person.id, addedById: actor.kind === "user" ? actor.user.id : null })
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) throw AppError.field("username", `${person.username} is already a collaborator on ${pkg.name}.`, "CONFLICT");
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "package.collaborator_added",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      subjectUserId: person.id,
      details: { collaborator: person.username },
    });
    await notify(tx, {
      userId: person.id,
      kind: "package.collaborator_added",
      message: `You can now read and write ${owner.username}/${pkg.name}.`,
      link: `/${owner.username}/${pkg.name}`,
    });
  });
  forgetCachedChannel(owner.id);
}

export async function removeCollaborator(db: Db, actor: Actor, rawInput: z.input<typeof collaboratorSchema>) {
  assertCan(actor, "package:share");
  const input = collaboratorSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "manageCollaborators");
  const person = await requirePerson(db, input.username);
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(packageCollaborators)
      .where(and(eq(packageCollaborators.packageId, pkg.id), eq(packageCollaborators.userId, person.id)))
      .returning();
    if (removed.length === 0) throw AppError.field("username", `${person.username} is not a collaborator on ${pkg.name}.`, "NOT_FOUND");
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "package.collaborator_removed",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      subjectUserId: person.id,
      details: { collaborator: person.username },
    });
  });
  forgetCachedChannel(owner.id);
}

/**
 * Gives one of the owner organization's groups access to this package; a name that is no group yet creates one
 * over selected packages, with the level given (Read-Only when none is).
 */
export async function addPackageGroup(db: Db, actor: Actor, rawInput: z.input<typeof packageGroupSchema>) {
  assertCan(actor, "package:share");
  const input = packageGroupSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  if (owner.kind !== "organization") throw AppError.field("group", "Groups belong to organizations: add people as collaborators instead.");
  await assertPackageAction(db, actor, pkg.id, "manageCollaborators");
  await db.transaction(async (tx) => {
    const group = (await findGroup(tx, owner.id, input.group)) ?? (await insertGroup(tx, actor, owner, input.group, input.level ?? "read", false));
    if (group.reachesAllPackages) throw AppError.field("group", `${group.name} reaches every package of ${owner.username} already.`, "CONFLICT");
    const added = await tx.insert(groupPackages).values({ groupId: group.id, packageId: pkg.id }).onConflictDoNothing().returning();
    if (added.length === 0) throw AppError.field("group", `${group.name} has access to ${pkg.name} already.`, "CONFLICT");
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "group.package_added",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      details: { group: group.name, level: group.level },
    });
  });
  forgetCachedChannel(owner.id);
}

export async function removePackageGroup(db: Db, actor: Actor, rawInput: z.input<typeof packageGroupSchema>) {
  assertCan(actor, "package:share");
  const input = packageGroupSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "manageCollaborators");
  const group = owner.kind === "organization" ? await findGroup(db, owner.id, input.group) : null;
  if (!group) throw AppError.field("group", `${owner.username} has no group named ${input.group}.`, "NOT_FOUND");
  if (group.reachesAllPackages) {
    throw AppError.field("group", `${group.name} reaches every package of ${owner.username}: change the group under the organization's groups.`, "PRECONDITION_FAILED");
  }
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(groupPackages)
      .where(and(eq(groupPackages.groupId, group.id), eq(groupPackages.packageId, pkg.id)))
      .returning();
    if (removed.length === 0) throw AppError.field("group", `${group.name} has no access to ${pkg.name}.`, "NOT_FOUND");
    await bumpChannelRevision(tx, owner.id);
    await recordAudit(tx, actor, {
      action: "group.package_removed",
      target: { type: "package", id: pkg.id, label: `${owner.username}/${pkg.name}` },
      details: { group: group.name },
    });
  });
  forgetCachedChannel(owner.id);
}
