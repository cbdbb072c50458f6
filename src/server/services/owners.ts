/**
 * Owners: the accounts whose names are channels (`/<owner>/...`), and the revision counter that tells cached
 * indexes when what an owner publishes has changed.
 */
import { and, eq, sql } from "drizzle-orm";
import { canSeeOwner, type Actor } from "../authz";
import type { Db } from "../db";
import { channelRevisions, users } from "../db/schema";
import { AppError } from "../errors";

/** An owner (a person's account or an organization) by name, case-insensitively; deactivated ones are not found. */
export async function findOwner(db: Db, name: string) {
  const [owner] = await db
    .select({ id: users.id, username: users.username, kind: users.kind, name: users.name, email: users.email, planId: users.planId, createdAt: users.createdAt })
    .from(users)
    .where(and(sql`lower(${users.username}) = ${name.toLowerCase()}`, eq(users.isActive, true)));
  return owner ?? null;
}

export type Owner = NonNullable<Awaited<ReturnType<typeof findOwner>>>;

/** An owner the actor may see: a channel-restricted token sees no other. */
export async function requireVisibleOwner(db: Db, actor: Actor, name: string) {
  const owner = await findOwner(db, name);
  if (!owner || !canSeeOwner(actor, owner.id)) throw new AppError("NOT_FOUND", `There is no user, organization or channel named ${name}.`);
  return owner;
}

/** Moves the owner's channel revision on, so cached indexes are rebuilt on their next request. */
export async function bumpChannelRevision(db: Db, ownerId: string): Promise<void> {
  await db
    .insert(channelRevisions)
    .values({ ownerId, revision: 1 })
    .onConflictDoUpdate({ target: channelRevisions.ownerId, set: { revision: sql`${channelRevisions.revision} + 1`, updatedAt: new Date() } });
}

export async function getChannelRevision(db: Db, ownerId: string): Promise<number> {
  const [row] = await db.select({ revision: channelRevisions.revision }).from(channelRevisions).where(eq(channelRevisions.ownerId, ownerId));
  return row?.revision ?? 0;
}

