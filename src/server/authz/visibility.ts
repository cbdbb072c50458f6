/**
 * The SQL side of the policy: which packages an actor may see, as one condition on the `packages` table that
 * every listing, search, channel index and simple page puts in its WHERE clause, so that nothing private is ever
 * fetched for someone who may not see it. ownership.ts holds the same rules for one resource at a time; the two
 * must agree (authz.test.ts checks them against each other on a real database).
 */
import { and, eq, or, sql, type SQL } from "drizzle-orm";
import { packages } from "../db/schema";
import type { Actor } from "./actor";
import { restrictedOwnerOf } from "./ownership";

/** The condition for packages the actor may see: public ones, its own, and everything for site administrators. */
export function visiblePackages(actor: Actor): SQL {
  if (actor.kind === "anonymous") return eq(packages.isPrivate, false);
  const restrictedTo = restrictedOwnerOf(actor);
  const channel = restrictedTo ? eq(packages.ownerId, restrictedTo) : undefined;
  const reach = actor.user.isSiteAdmin ? undefined : or(eq(packages.isPrivate, false), eq(packages.ownerId, actor.user.id));
  return and(channel, reach) ?? sql`true`;
}

/**
 * Which of an owner's packages the actor sees, as a name: any two actors with the same audience for an owner see
 * exactly the same packages of it (through visiblePackages), so the protocol handler keeps one copy of each of the
 * owner's indexes per audience, and answers the owner's private ones with `private` cache headers.
 */
export type PackageAudience = "everything" | "public";

export function packageAudience(actor: Actor, ownerId: string): PackageAudience {
  if (actor.kind === "anonymous") return "public";
  const restrictedTo = restrictedOwnerOf(actor);
  if (restrictedTo && restrictedTo !== ownerId) return "public";
  return actor.user.isSiteAdmin || actor.user.id === ownerId ? "everything" : "public";
}
