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

/**
 * Moves the owner's channel revision on, so cached indexes are rebuilt on their next request. Once the transaction
 * has committed, call forgetCachedChannel: the protocol handler in this process remembers revisions for a moment.
 */
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


// ---------------------------------------------------------------------------------------------- cached channels

/** What a process remembers of owners' channels (the protocol handler's channel directory). */
export interface ChannelMemory {
  forgetOwner(ownerId: string): void;
}

/**
 * Every channel memory in this process, on globalThis: the web app's services run in Next's bundle and the protocol
 * handler in the launcher's, so a module-level set would be two sets.
 */
const channelMemoriesKey = Symbol.for("granary.channelMemories");
function channelMemories(): Set<ChannelMemory> {
  const holder = globalThis as { [channelMemoriesKey]?: Set<ChannelMemory> };
  holder[channelMemoriesKey] ??= new Set();
  return holder[channelMemoriesKey];
}

/** Makes a memory reachable by forgetCachedChannel; returns the function that removes it. */
export function registerChannelMemory(memory: ChannelMemory): () => void {
  channelMemories().add(memory);
  return () => channelMemories().delete(memory);
}

/**
 * After committing a change to what an owner's channel shows (or to the owner's account): every memory in this
 * process forgets that owner now, so the very next protocol request reads the new revision. Other processes hear of
 * it through the database's notification (migration 0008, services/change-listener.ts).
 */
export function forgetCachedChannel(ownerId: string): void {
  for (const memory of channelMemories()) memory.forgetOwner(ownerId);
}
