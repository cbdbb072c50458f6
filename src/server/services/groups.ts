/**
 * Groups of an organization: a name, one access level (Read-Only, Read-Write, Administration), and either every
 * package of the organization or the packages given to it. Administrators create, change and delete them and add
 * and remove members; each change moves the organization's channel revision, so cached indexes forget at once what
 * the change makes untrue.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { siteUrl } from "./general-settings";
import { createGroupSchema, groupMemberSchema, groupRefSchema, organizationRefSchema, updateGroupSchema } from "@/shared/schemas/organizations";
import { accessLevelDescriptions, assertCan, assertOrganizationAction, requireUser, type AccessLevel, type Actor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { subquery } from "../db/subquery";
import { groupMembers, groupPackages, groups, packages, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { notify } from "./notifications";
import { admitMember, requireOrganization, requirePerson } from "./organizations";
import { bumpChannelRevision, forgetCachedChannel } from "./owners";

type GroupRow = typeof groups.$inferSelect;

function duplicateGroupName(name: string): AppError {
  return AppError.field("name", `There is already a group named ${name} in this organization.`, "CONFLICT");
}

export async function findGroup(db: Db, organizationId: string, name: string): Promise<GroupRow | null> {
  const [group] = await db
    .select()
    .from(groups)
    .where(and(eq(groups.organizationId, organizationId), sql`lower(${groups.name}) = ${name.trim().toLowerCase()}`));
  return group ?? null;
}

async function requireGroup(db: Db, organization: { id: string; username: string }, name: string): Promise<GroupRow> {
  const group = await findGroup(db, organization.id, name);
  if (!group) throw AppError.field("group", `${organization.username} has no group named ${name}.`, "NOT_FOUND");
  return group;
}

/** Every group of the organization with its members and, for groups over selected packages, those packages. */
export async function listGroups(db: Db, actor: Actor, rawInput: z.input<typeof organizationRefSchema>) {
  assertCan(actor, "organization:read");
  const input = organizationRefSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  const standing = await assertOrganizationAction(db, actor, organization, "see");
  const rows = await db
    .select({
      name: groups.name,
      level: groups.level,
      reachesAllPackages: groups.reachesAllPackages,
      createdAt: groups.createdAt,
      members: subquery<string[]>(sql`array(select ${users.username} from ${groupMembers} join ${users} on ${users.id} = ${groupMembers.userId}
        where ${groupMembers.groupId} = ${groups.id} order by lower(${users.username}))`),
      packages: subquery<string[]>(sql`array(select ${packages.name} from ${groupPackages} join ${packages} on ${packages.id} = ${groupPackages.packageId}
        where ${groupPackages.groupId} = ${groups.id} order by ${packages.normalizedName})`),
    })
    .from(groups)
    .where(eq(groups.organizationId, organization.id))
    .orderBy(asc(sql`lower(${groups.name})`));
  return {
    organization: organization.username,
    standing,
    groups: rows.map((row) => ({ ...row, levelLabel: accessLevelDescriptions[row.level].label })),
  };
}

/** Tools → Group Membership: the caller's groups, in every organization. */
export async function listMyGroups(db: Db, actor: Actor) {
  assertCan(actor, "organization:read");
  const { user } = requireUser(actor);
  const rows = await db
    .select({ organization: users.username, name: groups.name, level: groups.level, reachesAllPackages: groups.reachesAllPackages })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .innerJoin(users, eq(users.id, groups.organizationId))
    .where(eq(groupMembers.userId, user.id))
    .orderBy(sql`lower(${users.username})`, sql`lower(${groups.name})`);
  return rows.map((row) => ({ ...row, levelLabel: accessLevelDescriptions[row.level].label }));
}

export async function createGroup(db: Db, actor: Actor, rawInput: z.input<typeof createGroupSchema>) {
  assertCan(actor, "group:update");
  const input = createGroupSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "manageGroups");
  try {
    const group = await db.transaction(async (tx) => insertGroup(tx, actor, organization, input.name, input.level, input.reachesAllPackages));
    forgetCachedChannel(organization.id);
    return group;
  } catch (error) {
    if (uniqueViolationConstraint(error) === "groups_organization_name_unique") throw duplicateGroupName(input.name);
    throw error;
  }
}

/** In the caller's transaction (package settings create a group on the spot when it does not exist yet). */
export async function insertGroup(tx: Db, actor: Actor, organization: { id: string; username: string }, name: string, level: AccessLevel, reachesAllPackages: boolean) {
  const [group] = await tx.insert(groups).values({ organizationId: organization.id, name, level, reachesAllPackages }).returning();
  await bumpChannelRevision(tx, organization.id);
  await recordAudit(tx, actor, {
    action: "group.created",
    target: { type: "group", id: group!.id, label: `${organization.username}/${name}` },
    details: { level, reachesAllPackages },
  });
  return group!;
}

export async function updateGroup(db: Db, actor: Actor, rawInput: z.input<typeof updateGroupSchema>) {
  assertCan(actor, "group:update");
  const input = updateGroupSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "manageGroups");
  const group = await requireGroup(db, organization, input.group);
  try {
    await db.transaction(async (tx) => {
      const changes = {
        name: input.name ?? group.name,
        level: input.level ?? group.level,
        reachesAllPackages: input.reachesAllPackages ?? group.reachesAllPackages,
      };
      await tx
        .update(groups)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(groups.id, group.id));
      await bumpChannelRevision(tx, organization.id);
      await recordAudit(tx, actor, {
        action: "group.updated",
        target: { type: "group", id: group.id, label: `${organization.username}/${changes.name}` },
        details: { before: { name: group.name, level: group.level, reachesAllPackages: group.reachesAllPackages }, after: changes },
      });
    });
    forgetCachedChannel(organization.id);
  } catch (error) {
    if (uniqueViolationConstraint(error) === "groups_organization_name_unique") throw duplicateGroupName(input.name ?? group.name);
    throw error;
  }
}

export async function deleteGroup(db: Db, actor: Actor, rawInput: z.input<typeof groupRefSchema>) {
  assertCan(actor, "group:update");
  const input = groupRefSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "manageGroups");
  const group = await requireGroup(db, organization, input.group);
  await db.transaction(async (tx) => {
    await tx.delete(groups).where(eq(groups.id, group.id));
    await bumpChannelRevision(tx, organization.id);
    await recordAudit(tx, actor, {
      action: "group.deleted",
      target: { type: "group", id: group.id, label: `${organization.username}/${group.name}` },
      details: { level: group.level, reachesAllPackages: group.reachesAllPackages },
    });
  });
  forgetCachedChannel(organization.id);
}

/** Adds someone to a group, making them a member of the organization first when they are not one yet. */
export async function addGroupMember(db: Db, actor: Actor, rawInput: z.input<typeof groupMemberSchema>) {
  assertCan(actor, "group:update");
  const input = groupMemberSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "manageGroups");
  const group = await requireGroup(db, organization, input.group);
  const person = await requirePerson(db, input.username);
  await db.transaction(async (tx) => {
    await admitMember(tx, actor, organization, person, "member");
    const added = await tx.insert(groupMembers).values({ groupId: group.id, userId: person.id }).onConflictDoNothing().returning();
    if (added.length === 0) throw AppError.field("username", `${person.username} is already in ${group.name}.`, "CONFLICT");
    await bumpChannelRevision(tx, organization.id);
    await recordAudit(tx, actor, {
      action: "group.member_added",
      target: { type: "user", id: person.id, label: person.username },
      subjectUserId: person.id,
      details: { organization: organization.username, group: group.name, level: group.level },
    });
    await notify(tx, {
      userId: person.id,
      kind: "group.member_added",
      message: `You were added to the group ${group.name} of ${organization.username} (${accessLevelDescriptions[group.level].label}).`,
      link: "/dashboard/groups",
      details: { organization: organization.username, group: group.name },
    });
    await sendEmail(tx, {
      to: person.email,
      template: "addedToGroup",
      props: {
        username: person.username,
        organization: organization.username,
        group: group.name,
        level: accessLevelDescriptions[group.level].label,
        addedBy: actor.kind === "user" ? actor.user.username : "an administrator",
        groupsUrl: `${await siteUrl(tx)}/dashboard/groups`,
      },
    });
  });
  forgetCachedChannel(organization.id);
}

export async function removeGroupMember(db: Db, actor: Actor, rawInput: z.input<typeof groupMemberSchema>) {
  assertCan(actor, "group:update");
  const input = groupMemberSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "manageGroups");
  const group = await requireGroup(db, organization, input.group);
  const person = await requirePerson(db, input.username);
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(groupMembers)
      .where(and(eq(groupMembers.groupId, group.id), eq(groupMembers.userId, person.id)))
      .returning();
    if (removed.length === 0) throw AppError.field("username", `${person.username} is not in ${group.name}.`, "NOT_FOUND");
    await bumpChannelRevision(tx, organization.id);
    await recordAudit(tx, actor, {
      action: "group.member_removed",
      target: { type: "user", id: person.id, label: person.username },
      subjectUserId: person.id,
      details: { organization: organization.username, group: group.name },
    });
  });
  forgetCachedChannel(organization.id);
}
