/**
 * Organizations: owners that people share. Any signed-in user creates one and becomes its first owner; owners and
 * administrators add and remove members; an organization always keeps at least one owner. Every change is audited,
 * and a change of who may see what moves the organization's channel revision, so cached indexes are rebuilt.
 */
import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { siteUrl } from "./general-settings";
import { addMemberSchema, createOrganizationSchema, deleteOrganizationSchema, memberRefSchema, organizationRefSchema, setMemberRoleSchema } from "@/shared/schemas/organizations";
import {
  assertCan,
  assertOrganizationAction,
  canSeeOwner,
  organizationStanding,
  ownersWithAccess,
  packagesWithAccess,
  requireUser,
  type Actor,
  type OrganizationStanding,
} from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { accessTokens, groupMembers, groups, organizationMembers, packageFiles, packages, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import type { BlobStore } from "../storage";
import { isPersonalAccount } from "./account-records";
import { recordAudit } from "./audit";
import { removeBlobIfUnreferenced } from "./blob-references";
import { notify } from "./notifications";
import { bumpChannelRevision, forgetCachedChannel, findOwner } from "./owners";
import { forgetCachedCredentials } from "./token-cache";

type OrganizationRow = { id: string; username: string; name: string | null; email: string; createdAt: Date };

/** An organization by name that the actor may see, or NOT_FOUND (a person's account is not an organization). */
export async function requireOrganization(db: Db, actor: Actor, name: string): Promise<OrganizationRow> {
  const owner = await findOwner(db, name);
  if (!owner || owner.kind !== "organization" || !canSeeOwner(actor, owner.id)) throw new AppError("NOT_FOUND", `There is no organization named ${name}.`);
  return { id: owner.id, username: owner.username, name: owner.name, email: owner.email, createdAt: owner.createdAt };
}

/** A person's active account by username, for adding to organizations, groups and packages. */
export async function requirePerson(db: Db, username: string, field = "username") {
  const [person] = await db
    .select({ id: users.id, username: users.username, email: users.email })
    .from(users)
    .where(and(isPersonalAccount, sql`lower(${users.username}) = ${username.trim().toLowerCase()}`, eq(users.isActive, true)));
  if (!person) throw AppError.field(field, `There is no user named ${username}.`, "NOT_FOUND");
  return person;
}

async function organizationUrl(db: Db, organization: string): Promise<string> {
  return `${await siteUrl(db)}/${encodeURIComponent(organization)}`;
}

// ---------------------------------------------------------------------------------------------- creating

export async function createOrganization(db: Db, actor: Actor, rawInput: z.input<typeof createOrganizationSchema>) {
  assertCan(actor, "organization:create");
  const { user } = requireUser(actor);
  const input = createOrganizationSchema.parse(rawInput);
  try {
    return await db.transaction(async (tx) => {
      const [organization] = await tx
        .insert(users)
        .values({ username: input.name, email: input.email, kind: "organization", passwordHash: null })
        .returning({ id: users.id, username: users.username });
      await tx.insert(organizationMembers).values({ organizationId: organization!.id, userId: user.id, role: "owner", addedById: user.id });
      await recordAudit(tx, actor, {
        action: "organization.created",
        target: { type: "organization", id: organization!.id, label: organization!.username },
        subjectUserId: user.id,
        details: { email: input.email },
      });
      return organization!;
    });
  } catch (error) {
    if (uniqueViolationConstraint(error) === "users_username_lower_unique") {
      throw AppError.field("name", "This name is taken by a user or an organization.", "CONFLICT");
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- reading

export interface MyOrganization {
  username: string;
  name: string | null;
  standing: OrganizationStanding;
  members: number;
  packages: number;
  /** Whether the caller may publish anything under it (the upload page offers it as an owner). */
  mayPublish: boolean;
}

/**
 * The organizations the caller belongs to, with its standing in each. Settings → Organizations shows only those it
 * administers (`administeredOnly`), as the seed says; Tools → Organizations shows them all.
 */
export async function listMyOrganizations(db: Db, actor: Actor, rawInput: { administeredOnly?: boolean } = {}): Promise<MyOrganization[]> {
  assertCan(actor, "organization:read");
  const { user } = requireUser(actor);
  const rows = await db
    .select({
      username: users.username,
      name: users.name,
      role: organizationMembers.role,
      administrator: sql<boolean>`exists (select 1 from ${groups} join ${groupMembers} on ${groupMembers.groupId} = ${groups.id}
        where ${groups.organizationId} = ${users.id} and ${groupMembers.userId} = ${user.id} and ${groups.level} = 'admin' and ${groups.reachesAllPackages})`,
      members: sql<number>`(select count(*)::int from ${organizationMembers} as m where m.organization_id = ${users.id})`,
      packages: sql<number>`(select count(*)::int from ${packages} where ${packages.ownerId} = ${users.id})`,
      // As mayPublishUnder decides for an upload: new packages, or new files of a package the caller may write to.
      mayPublish: sql<boolean>`(${ownersWithAccess(actor, "write", users.id)}
        or exists (select 1 from ${packages} where ${packages.ownerId} = ${users.id} and ${packagesWithAccess(actor, "write")}))`,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.organizationId))
    .where(and(eq(organizationMembers.userId, user.id), eq(users.isActive, true)))
    .orderBy(sql`lower(${users.username})`);
  const all = rows.map(({ role, administrator, ...row }) => ({
    ...row,
    standing: (role === "owner" ? "owner" : administrator ? "administrator" : "member") as OrganizationStanding,
  }));
  return rawInput.administeredOnly ? all.filter((row) => row.standing !== "member") : all;
}

/** An organization's page: what anyone may know, and for its members, its members and the caller's standing. */
export async function getOrganization(db: Db, actor: Actor, rawInput: z.input<typeof organizationRefSchema>) {
  assertCan(actor, "package:read");
  const input = organizationRefSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  const standing = await organizationStanding(db, actor, organization.id);
  const members = standing ? await listMembersOf(db, organization.id) : null;
  return { username: organization.username, name: organization.name, createdAt: organization.createdAt, standing, members };
}

async function listMembersOf(db: Db, organizationId: string) {
  return db
    .select({
      username: users.username,
      name: users.name,
      role: organizationMembers.role,
      joinedAt: organizationMembers.createdAt,
      groups: sql<string[]>`array(select ${groups.name} from ${groups} join ${groupMembers} on ${groupMembers.groupId} = ${groups.id}
        where ${groups.organizationId} = ${organizationId} and ${groupMembers.userId} = ${users.id} order by lower(${groups.name}))`,
    })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(eq(organizationMembers.organizationId, organizationId))
    .orderBy(sql`case when ${organizationMembers.role} = 'owner' then 0 else 1 end`, asc(sql`lower(${users.username})`));
}

export async function listMembers(db: Db, actor: Actor, rawInput: z.input<typeof organizationRefSchema>) {
  assertCan(actor, "organization:read");
  const input = organizationRefSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  const standing = await assertOrganizationAction(db, actor, organization, "see");
  return { organization: organization.username, standing, members: await listMembersOf(db, organization.id) };
}

// ---------------------------------------------------------------------------------------------- members

/**
 * Makes the person a member (or owner) if they are not one yet, and tells them: a notification and an e-mail. In
 * the caller's transaction; groups call it when they add someone from outside the organization.
 */
export async function admitMember(
  tx: Db,
  actor: Actor,
  organization: { id: string; username: string },
  person: { id: string; username: string; email: string },
  role: "owner" | "member",
): Promise<boolean> {
  const inserted = await tx
    .insert(organizationMembers)
    .values({ organizationId: organization.id, userId: person.id, role, addedById: actor.kind === "user" ? actor.user.id : null })
    .onConflictDoNothing()
    .returning({ userId: organizationMembers.userId });
  if (inserted.length === 0) return false;
  await recordAudit(tx, actor, {
    action: "organization.member_added",
    target: { type: "user", id: person.id, label: person.username },
    subjectUserId: person.id,
    details: { organization: organization.username, role },
  });
  await notify(tx, {
    userId: person.id,
    kind: "organization.member_added",
    message: `You were added to ${organization.username} as ${role === "owner" ? "an owner" : "a member"}.`,
    link: `/${organization.username}`,
    details: { organization: organization.username, role },
  });
  await sendEmail(tx, {
    to: person.email,
    template: "addedToOrganization",
    props: {
      username: person.username,
      organization: organization.username,
      role: role === "owner" ? "an owner" : "a member",
      addedBy: actor.kind === "user" ? actor.user.username : "an administrator",
      organizationUrl: await organizationUrl(tx, organization.username),
    },
  });
  return true;
}

export async function addMember(db: Db, actor: Actor, rawInput: z.input<typeof addMemberSchema>) {
  assertCan(actor, "organization:update");
  const input = addMemberSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, input.role === "owner" ? "manageOwners" : "manageMembers");
  const person = await requirePerson(db, input.username);
  await db.transaction(async (tx) => {
    const added = await admitMember(tx, actor, organization, person, input.role);
    if (!added) throw AppError.field("username", `${person.username} is already a member of ${organization.username}.`, "CONFLICT");
    await bumpChannelRevision(tx, organization.id);
  });
  forgetCachedChannel(organization.id);
}

async function countOwners(db: Db, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.role, "owner")));
  return row?.value ?? 0;
}

/** Reads a membership with its row locked, so two changes to the owners cannot both leave none. */
async function lockMembership(tx: Db, organizationId: string, userId: string) {
  const [membership] = await tx
    .select({ role: organizationMembers.role })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, userId)))
    .for("update");
  return membership ?? null;
}

async function lockOwners(tx: Db, organizationId: string): Promise<void> {
  await tx
    .select({ userId: organizationMembers.userId })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.role, "owner")))
    .for("update");
}

export async function removeMember(db: Db, actor: Actor, rawInput: z.input<typeof memberRefSchema>) {
  assertCan(actor, "organization:update");
  const input = memberRefSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  const person = await requirePerson(db, input.username);
  // Leaving an organization oneself is always allowed, as long as an owner remains.
  const leaving = actor.kind === "user" && actor.user.id === person.id;
  await db.transaction(async (tx) => {
    await lockOwners(tx, organization.id);
    const membership = await lockMembership(tx, organization.id, person.id);
    if (!membership) throw AppError.field("username", `${person.username} is not a member of ${organization.username}.`, "NOT_FOUND");
    if (!leaving) await assertOrganizationAction(tx, actor, organization, membership.role === "owner" ? "manageOwners" : "manageMembers");
    if (membership.role === "owner" && (await countOwners(tx, organization.id)) <= 1) {
      throw new AppError("PRECONDITION_FAILED", `${person.username} is the only owner of ${organization.username}: make someone else an owner first.`);
    }
    // Their groups in this organization go with the membership: nothing of it is left to reach packages through.
    await tx
      .delete(groupMembers)
      .where(
        and(
          eq(groupMembers.userId, person.id),
          inArray(groupMembers.groupId, tx.select({ id: groups.id }).from(groups).where(eq(groups.organizationId, organization.id))),
        ),
      );
    await tx.delete(organizationMembers).where(and(eq(organizationMembers.organizationId, organization.id), eq(organizationMembers.userId, person.id)));
    await bumpChannelRevision(tx, organization.id);
    await recordAudit(tx, actor, {
      action: "organization.member_removed",
      target: { type: "user", id: person.id, label: person.username },
      subjectUserId: person.id,
      details: { organization: organization.username, role: membership.role, left: leaving },
    });
  });
  forgetCachedChannel(organization.id);
}

export async function setMemberRole(db: Db, actor: Actor, rawInput: z.input<typeof setMemberRoleSchema>) {
  assertCan(actor, "organization:update");
  const input = setMemberRoleSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "manageOwners");
  const person = await requirePerson(db, input.username);
  await db.transaction(async (tx) => {
    await lockOwners(tx, organization.id);
    const membership = await lockMembership(tx, organization.id, person.id);
    if (!membership) throw AppError.field("username", `${person.username} is not a member of ${organization.username}.`, "NOT_FOUND");
    if (membership.role === input.role) return;
    if (membership.role === "owner" && (await countOwners(tx, organization.id)) <= 1) {
      throw new AppError("PRECONDITION_FAILED", `${person.username} is the only owner of ${organization.username}: make someone else an owner first.`);
    }
    await tx
      .update(organizationMembers)
      .set({ role: input.role })
      .where(and(eq(organizationMembers.organizationId, organization.id), eq(organizationMembers.userId, person.id)));
    await bumpChannelRevision(tx, organization.id);
    await recordAudit(tx, actor, {
      action: "organization.member_role_changed",
      target: { type: "user", id: person.id, label: person.username },
      subjectUserId: person.id,
      details: { organization: organization.username, from: membership.role, to: input.role },
    });
  });
  forgetCachedChannel(organization.id);
}

/** The organizations the person is the only owner of: they would be left without one if the person went. */
export async function organizationsOwnedAlone(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ username: users.username })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.organizationId))
    .where(
      and(
        eq(organizationMembers.userId, userId),
        eq(organizationMembers.role, "owner"),
        sql`(select count(*) from ${organizationMembers} as others where others.organization_id = ${organizationMembers.organizationId} and others.role = 'owner') = 1`,
      ),
    )
    .orderBy(sql`lower(${users.username})`);
  return rows.map((row) => row.username);
}

// ---------------------------------------------------------------------------------------------- deleting

/**
 * Deletes the organization with its packages, files, groups and the tokens restricted to its channel, after the
 * owner types its name. Its administrators are e-mailed; the audit trail keeps the record.
 */
export async function deleteOrganization(db: Db, actor: Actor, rawInput: z.input<typeof deleteOrganizationSchema>, store: BlobStore) {
  assertCan(actor, "organization:delete");
  const input = deleteOrganizationSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization);
  await assertOrganizationAction(db, actor, organization, "delete");
  if (input.confirmation !== organization.username) {
    throw AppError.field("confirmation", `Type the organization's name, ${organization.username}, exactly to confirm.`);
  }
  const administrators = await db
    .select({ id: users.id, username: users.username, email: users.email })
    .from(organizationMembers)
    .innerJoin(users, eq(users.id, organizationMembers.userId))
    .where(
      and(
        eq(organizationMembers.organizationId, organization.id),
        sql`(${organizationMembers.role} = 'owner' or exists (select 1 from ${groups} join ${groupMembers} on ${groupMembers.groupId} = ${groups.id}
          where ${groups.organizationId} = ${organization.id} and ${groupMembers.userId} = ${users.id} and ${groups.level} = 'admin' and ${groups.reachesAllPackages}))`,
      ),
    );
  const { digests, packageCount, tokenOwners } = await db.transaction(async (tx) => {
    const [packageTotal] = await tx.select({ value: count() }).from(packages).where(eq(packages.ownerId, organization.id));
    const files = await tx.select({ sha256: packageFiles.sha256 }).from(packageFiles).where(eq(packageFiles.ownerId, organization.id));
    const restricted = await tx
      .select({ userId: accessTokens.userId })
      .from(accessTokens)
      .where(eq(accessTokens.channelOwnerId, organization.id));
    for (const administrator of administrators) {
      await recordAudit(tx, actor, {
        action: "organization.deleted",
        target: { type: "organization", id: organization.id, label: organization.username },
        subjectUserId: administrator.id,
        details: { packages: packageTotal?.value ?? 0, files: files.length, tokens: restricted.length },
      });
    }
    // Packages, files, groups, memberships and tokens restricted to the channel go with the row (foreign keys).
    await tx.delete(users).where(eq(users.id, organization.id));
    return { digests: new Set(files.map((file) => file.sha256)), packageCount: packageTotal?.value ?? 0, tokenOwners: new Set(restricted.map((row) => row.userId)) };
  });
  forgetCachedChannel(organization.id);
  for (const userId of tokenOwners) forgetCachedCredentials(userId);
  for (const sha256 of digests) await removeBlobIfUnreferenced(db, store, sha256);
  for (const administrator of administrators) {
    await sendEmail(db, {
      to: administrator.email,
      template: "organizationDeleted",
      props: {
        username: administrator.username,
        organization: organization.username,
        deletedBy: actor.kind === "user" ? actor.user.username : "an administrator",
        packages: packageCount,
      },
    });
  }
}
