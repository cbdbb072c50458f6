/**
 * The SQL side of the policy: which packages an actor holds a level of access to, as one condition on the
 * `packages` table that every listing, search, channel index and simple page puts in its WHERE clause, so that
 * nothing private is ever fetched for someone who may not see it. Access to a package comes from, in order: being
 * its owner (or an owner of its organization), a group of its organization that reaches it, being a collaborator,
 * or its being public; site administrators reach everything. A token restricted to one channel reaches nothing
 * outside it. ownership.ts and package-access.ts decide the same things one resource at a time; the tests check
 * that they agree.
 */
import { createHash } from "node:crypto";
import { and, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../db/client";
import { groupMembers, groupPackages, groups, organizationMembers, packageCollaborators, packages } from "../db/schema";
import { levelsAtLeast, type AccessLevel } from "./access-levels";
import type { Actor } from "./actor";
import { restrictedOwnerOf } from "./ownership";

/** Organizations the user owns: they administer all of the organization's packages. */
function ownedOrganizations(userId: string) {
  return sql`(select ${organizationMembers.organizationId} from ${organizationMembers} where ${organizationMembers.userId} = ${userId} and ${organizationMembers.role} = 'owner')`;
}

/** Organizations where one of the user's groups reaches every package at the level or above. */
function organizationsReachedWholly(userId: string, level: AccessLevel) {
  return sql`(select ${groups.organizationId} from ${groups} join ${groupMembers} on ${groupMembers.groupId} = ${groups.id}
    where ${groupMembers.userId} = ${userId} and ${groups.reachesAllPackages} and ${inArray(groups.level, levelsAtLeast(level))})`;
}

/** Packages one of the user's groups was given, at the level or above. */
function packagesGivenToGroups(userId: string, level: AccessLevel) {
  return sql`(select ${groupPackages.packageId} from ${groupPackages}
    join ${groups} on ${groups.id} = ${groupPackages.groupId}
    join ${groupMembers} on ${groupMembers.groupId} = ${groups.id}
    where ${groupMembers.userId} = ${userId} and not ${groups.reachesAllPackages} and ${inArray(groups.level, levelsAtLeast(level))})`;
}

/** Collaborators read and write, as on anaconda.org; they do not administer. */
function collaborations(userId: string) {
  return sql`(select ${packageCollaborators.packageId} from ${packageCollaborators} where ${packageCollaborators.userId} = ${userId})`;
}

/**
 * The owners in whose whole channel the actor holds the level: itself, organizations it owns, and organizations
 * where a group of its reaches every package at that level. As a condition on an owner id column.
 */
export function ownersWithAccess(actor: Actor, level: AccessLevel, ownerId: AnyPgColumn = packages.ownerId): SQL {
  if (actor.kind === "anonymous") return sql`false`;
  const restrictedTo = restrictedOwnerOf(actor);
  const channel = restrictedTo ? eq(ownerId, restrictedTo) : undefined;
  if (actor.user.isSiteAdmin) return and(channel, sql`true`)!;
  const userId = actor.user.id;
  return and(
    channel,
    or(eq(ownerId, userId), sql`${ownerId} in ${ownedOrganizations(userId)}`, sql`${ownerId} in ${organizationsReachedWholly(userId, level)}`),
  )!;
}

/** The condition for packages on which the actor holds at least `level`. */
export function packagesWithAccess(actor: Actor, level: AccessLevel): SQL {
  if (actor.kind === "anonymous") return level === "read" ? eq(packages.isPrivate, false) : sql`false`;
  const userId = actor.user.id;
  const restrictedTo = restrictedOwnerOf(actor);
  const channel = restrictedTo ? eq(packages.ownerId, restrictedTo) : undefined;
  if (actor.user.isSiteAdmin) return and(channel, sql`true`)!;
  // Uncorrelated subqueries: PostgreSQL works each out once per query, not once per package row.
  const reach = or(
    level === "read" ? eq(packages.isPrivate, false) : undefined,
    eq(packages.ownerId, userId),
    sql`${packages.ownerId} in ${ownedOrganizations(userId)}`,
    sql`${packages.ownerId} in ${organizationsReachedWholly(userId, level)}`,
    sql`${packages.id} in ${packagesGivenToGroups(userId, level)}`,
    level === "admin" ? undefined : sql`${packages.id} in ${collaborations(userId)}`,
  );
  return and(channel, reach)!;
}

/** The condition for packages the actor may see: public ones and every one it holds any access to. */
export function visiblePackages(actor: Actor): SQL {
  return packagesWithAccess(actor, "read");
}

/**
 * Ids as one array parameter: a member of many groups reaches hundreds of packages, and a parameter each would cost
 * more to build and send than the statement costs to run. Ids read from the database hold only hex digits and dashes.
 * The conditions read it through `in (select unnest(...))`, which PostgreSQL hashes once per statement; `= any(...)`
 * of a parameter is not hashed, and compared every candidate package with every id.
 */
function uuidArray(ids: string[]): SQL {
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}

/**
 * visiblePackages with the actor's grants looked up first, once: the organizations whose whole channel it reads and
 * the packages given to it one by one, as lists. The same packages, for a service that puts the condition in several
 * statements (search runs up to six): PostgreSQL works the grant subqueries out again in each statement, and plans
 * them in each one it plans afresh, which for a member of a hundred groups costs about a millisecond a statement.
 */
export async function visiblePackagesLookedUp(db: Db, actor: Actor): Promise<SQL> {
  if (actor.kind === "anonymous" || actor.user.isSiteAdmin) return visiblePackages(actor);
  const userId = actor.user.id;
  const [grants] = await db.execute<{ owners: string[]; packages: string[] }>(sql`select
    array(${ownedOrganizations(userId)} union ${organizationsReachedWholly(userId, "read")}) as owners,
    array(${packagesGivenToGroups(userId, "read")} union ${collaborations(userId)}) as packages`);
  const restrictedTo = restrictedOwnerOf(actor);
  const reach = or(
    eq(packages.isPrivate, false),
    eq(packages.ownerId, userId),
    grants && grants.owners.length > 0 ? sql`${packages.ownerId} in (select unnest(${uuidArray(grants.owners)}))` : undefined,
    grants && grants.packages.length > 0 ? sql`${packages.id} in (select unnest(${uuidArray(grants.packages)}))` : undefined,
  );
  return and(restrictedTo ? eq(packages.ownerId, restrictedTo) : undefined, reach)!;
}

/**
 * Which of an owner's packages the actor sees, as a name: any two actors with the same audience for an owner see
 * exactly the same packages of it, so the protocol handler keeps one copy of each of the owner's indexes per
 * audience. `grants:<digest>` names one particular set of private packages (audienceOfGrants).
 */
export type PackageAudience = "public" | "everything" | `grants:${string}`;

/**
 * The audience the policy can tell without the database: visitors see the public packages, the owner and site
 * administrators everything. Null when it depends on the actor's organizations, groups and collaborations: then
 * the private packages the actor reaches (through visiblePackages) decide, through audienceOfGrants.
 */
export function knownAudience(actor: Actor, ownerId: string): "public" | "everything" | null {
  if (actor.kind === "anonymous") return "public";
  const restrictedTo = restrictedOwnerOf(actor);
  if (restrictedTo && restrictedTo !== ownerId) return "public";
  return actor.user.isSiteAdmin || actor.user.id === ownerId ? "everything" : null;
}

/** The audience of an actor who sees exactly these private packages of an owner, besides its public ones. */
export function audienceOfGrants(privatePackageIds: Iterable<string>): PackageAudience {
  const ids = [...privatePackageIds].sort();
  if (ids.length === 0) return "public";
  return `grants:${createHash("sha256").update(ids.join(",")).digest("base64url").slice(0, 22)}`;
}

/**
 * The organizations whose members the actor may see, as a condition on an organization id column: the same rule as
 * an organization's own page (organizationActions.see), that its members see one another and outsiders see none,
 * so a profile lists a person's organizations only to those who would find that person among the members anyway.
 * Site administrators see every membership; a token restricted to one channel sees at most that organization's.
 */
export function organizationsWithVisibleMembers(actor: Actor, organizationId: AnyPgColumn): SQL {
  if (actor.kind === "anonymous") return sql`false`;
  const restrictedTo = restrictedOwnerOf(actor);
  const channel = restrictedTo ? eq(organizationId, restrictedTo) : undefined;
  if (actor.user.isSiteAdmin) return and(channel, sql`true`)!;
  return and(
    channel,
    sql`${organizationId} in (select ${organizationMembers.organizationId} from ${organizationMembers} where ${organizationMembers.userId} = ${actor.user.id})`,
  )!;
}
