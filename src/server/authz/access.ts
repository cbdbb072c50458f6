/**
 * Access decided one package, one channel or one organization at a time, by evaluating visibility.ts's conditions
 * in the database: what an actor may do there depends on its organizations, groups and collaborations, which live
 * in tables. Services call these before changing anything; for what the actor may not see they answer NOT_FOUND
 * (no existence leaks), for what it sees but may not do, FORBIDDEN.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db";
import { groupMembers, groups, organizationMembers, packages, users } from "../db/schema";
import { subquery } from "../db/subquery";
import { AppError } from "../errors";
import { accessLevelDescriptions, atLeast, packageActions, type AccessLevel, type PackageAction } from "./access-levels";
import type { Actor } from "./actor";
import { canSeeOwner } from "./ownership";
import { ownersWithAccess, packagesWithAccess } from "./visibility";

const levelsHighestFirst: AccessLevel[] = ["admin", "write", "read"];

/** The highest level the actor holds on the package, or null when it may not even see it (or it does not exist). */
export async function packageAccessLevel(db: Db, actor: Actor, packageId: string): Promise<AccessLevel | null> {
  const [row] = await db
    .select({
      admin: sql<boolean>`${packagesWithAccess(actor, "admin")}`,
      write: sql<boolean>`${packagesWithAccess(actor, "write")}`,
      read: sql<boolean>`${packagesWithAccess(actor, "read")}`,
    })
    .from(packages)
    .where(eq(packages.id, packageId));
  if (!row) return null;
  return levelsHighestFirst.find((level) => row[level]) ?? null;
}

const actionWords: Record<PackageAction, string> = {
  see: "see it",
  download: "download it",
  upload: "upload to it",
  label: "change its labels",
  changePrivacy: "change its privacy",
  manageCollaborators: "change who has access to it",
  delete: "delete it",
  yank: "yank or un-yank its releases",
  transfer: "transfer it",
};

/**
 * Checks that the actor may do `action` to the package and returns the level it holds. NOT_FOUND when it may not
 * see the package, FORBIDDEN (naming the level needed) when it sees it but may not do this.
 */
export async function assertPackageAction(db: Db, actor: Actor, packageId: string, action: PackageAction, noun = "package"): Promise<AccessLevel> {
  const level = await packageAccessLevel(db, actor, packageId);
  if (!level) throw new AppError("NOT_FOUND", `This ${noun} does not exist.`);
  const needed = packageActions[action];
  if (!atLeast(level, needed)) {
    if (actor.kind === "anonymous") throw new AppError("UNAUTHORIZED", "Sign in to continue.");
    throw new AppError("FORBIDDEN", `You need ${accessLevelDescriptions[needed].label} access to this ${noun} to ${actionWords[action]}.`);
  }
  return level;
}

/**
 * The level the actor holds over an owner's whole channel (every package, present and future): admin for the owner
 * itself, an owner of the organization and site administrators, or a group's level when it reaches every package.
 */
export async function channelAccessLevel(db: Db, actor: Actor, ownerId: string): Promise<AccessLevel | null> {
  if (actor.kind === "anonymous" || !canSeeOwner(actor, ownerId)) return null;
  const [row] = await db
    .select({
      admin: sql<boolean>`${ownersWithAccess(actor, "admin", users.id)}`,
      write: sql<boolean>`${ownersWithAccess(actor, "write", users.id)}`,
      read: sql<boolean>`${ownersWithAccess(actor, "read", users.id)}`,
    })
    .from(users)
    .where(eq(users.id, ownerId));
  if (!row) return null;
  return levelsHighestFirst.find((level) => row[level]) ?? null;
}

/**
 * Whether the actor may publish anything at all under the owner: new packages (write over the whole channel) or
 * new files of a package it may write to. Uploads check this before reading a byte of the body; publishFile then
 * checks the package the file turns out to belong to.
 */
export async function mayPublishUnder(db: Db, actor: Actor, ownerId: string): Promise<boolean> {
  if (actor.kind === "anonymous" || !canSeeOwner(actor, ownerId)) return false;
  if (actor.user.id === ownerId || actor.user.isSiteAdmin) return true;
  const [row] = await db.execute<{ allowed: boolean }>(sql`select (
    exists (select 1 from ${users} where ${users.id} = ${ownerId} and ${ownersWithAccess(actor, "write", users.id)})
    or exists (select 1 from ${packages} where ${packages.ownerId} = ${ownerId} and ${packagesWithAccess(actor, "write")})
  ) as allowed`);
  return Boolean(row?.allowed);
}

// ---------------------------------------------------------------------------------------------- organizations

/**
 * Someone's standing in an organization. Owners administer everything, members of an Administration group over
 * all packages are administrators, and anyone else in it is a member. Site administrators act as owners.
 */
export type OrganizationStanding = "owner" | "administrator" | "member";

const standingRank: Record<OrganizationStanding, number> = { member: 1, administrator: 2, owner: 3 };

/** What one does to an organization, and the standing it takes. */
export const organizationActions = {
  see: "member",
  manageGroups: "administrator",
  manageMembers: "administrator",
  manageOwners: "owner",
  changePlan: "owner",
  delete: "owner",
} as const satisfies Record<string, OrganizationStanding>;
export type OrganizationAction = keyof typeof organizationActions;

export async function organizationStanding(db: Db, actor: Actor, organizationId: string): Promise<OrganizationStanding | null> {
  if (actor.kind === "anonymous" || !canSeeOwner(actor, organizationId)) return null;
  if (actor.user.isSiteAdmin) return "owner";
  const [row] = await db
    .select({
      role: organizationMembers.role,
      administrator: subquery<boolean>(sql`exists (select 1 from ${groups} join ${groupMembers} on ${groupMembers.groupId} = ${groups.id}
        where ${groups.organizationId} = ${organizationId} and ${groupMembers.userId} = ${actor.user.id}
          and ${groups.level} = 'admin' and ${groups.reachesAllPackages})`),
    })
    .from(organizationMembers)
    .where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.userId, actor.user.id)));
  if (!row) return null;
  if (row.role === "owner") return "owner";
  return row.administrator ? "administrator" : "member";
}

const organizationActionWords: Record<OrganizationAction, string> = {
  see: "see its members and groups",
  manageGroups: "change its groups",
  manageMembers: "change its members",
  manageOwners: "change its owners",
  changePlan: "change its plan",
  delete: "delete it",
};

/**
 * Checks that the actor may do `action` to the organization. Someone outside it learns nothing it would not show
 * anyone (NOT_FOUND for what needs membership); a member who may not do it is told which standing it takes.
 */
export async function assertOrganizationAction(
  db: Db,
  actor: Actor,
  organization: { id: string; username: string },
  action: OrganizationAction,
): Promise<OrganizationStanding> {
  const standing = await organizationStanding(db, actor, organization.id);
  if (!standing) {
    if (actor.kind === "anonymous") throw new AppError("UNAUTHORIZED", "Sign in to continue.");
    throw new AppError("NOT_FOUND", `You are not a member of ${organization.username}.`);
  }
  const needed = organizationActions[action];
  if (standingRank[standing] < standingRank[needed]) {
    const who = needed === "owner" ? "an owner" : "an administrator";
    throw new AppError("FORBIDDEN", `Only ${who} of ${organization.username} can ${organizationActionWords[action]}.`);
  }
  return standing;
}

/**
 * Whether the actor administers the owner as a whole: a person's own account (site administrators administer every
 * owner), or an organization where it is an owner or an administrator. Transfers move packages only between owners
 * the actor administers.
 */
export async function administersOwner(db: Db, actor: Actor, owner: { id: string; kind: string }): Promise<boolean> {
  if (actor.kind === "anonymous" || !canSeeOwner(actor, owner.id)) return false;
  if (actor.user.id === owner.id || actor.user.isSiteAdmin) return true;
  if (owner.kind !== "organization") return false;
  const standing = await organizationStanding(db, actor, owner.id);
  return standing === "owner" || standing === "administrator";
}
