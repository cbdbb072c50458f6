/**
 * Who may see and change an owner's things (packages, files, tokens), one resource at a time. The SQL twin of
 * these rules, for queries over many rows, is visibility.ts; the two must agree (authz.test.ts checks both).
 */
import { AppError } from "../errors";
import type { Actor, SignedInActor } from "./actor";
import { assertCan } from "./can";
import { permissionsOfScopes, type Permission } from "./permissions";

/** What the policy needs to know about a package (or anything else an owner publishes). */
export interface OwnedResource {
  ownerId: string;
  isPrivate: boolean;
}

/**
 * The channel restriction of a token: it sees nothing outside its one owner, public or not. Sessions and
 * unrestricted tokens see every owner.
 */
export function canSeeOwner(actor: Actor, ownerId: string): boolean {
  return actor.kind === "anonymous" || !actor.token?.channelOwnerId || actor.token.channelOwnerId === ownerId;
}

/** The owner a channel-restricted token is limited to, or null when the actor is not restricted. */
export function restrictedOwnerOf(actor: Actor): string | null {
  return actor.kind === "user" ? (actor.token?.channelOwnerId ?? null) : null;
}

/**
 * Who may see an owner's private things: the owner and site administrators. Organizations, groups and
 * collaborators extend this here when they arrive.
 */
export function canSeeOwnedResource(actor: Actor, resource: OwnedResource): boolean {
  if (!canSeeOwner(actor, resource.ownerId)) return false;
  if (!resource.isPrivate) return true;
  return actor.kind === "user" && (actor.user.id === resource.ownerId || actor.user.isSiteAdmin);
}

export function canManageOwner(actor: Actor, ownerId: string): boolean {
  return actor.kind === "user" && canSeeOwner(actor, ownerId) && (actor.user.id === ownerId || actor.user.isSiteAdmin);
}

/**
 * For a resource the actor may not see, NOT_FOUND (no existence leak); for one it sees but may not change,
 * FORBIDDEN.
 */
export function assertCanManage(actor: Actor, permission: Permission, resource: OwnedResource, noun = "package"): void {
  assertCan(actor, permission);
  if (!canSeeOwnedResource(actor, resource)) throw new AppError("NOT_FOUND", `This ${noun} does not exist.`);
  if (!canManageOwner(actor, resource.ownerId)) throw new AppError("FORBIDDEN", `Only the owner can change this ${noun}.`);
}

/**
 * An account's access tokens are its own: only the account itself sees and manages them (a site administrator
 * deactivates an account rather than reading its tokens).
 */
export function canManageTokensOf(actor: Actor, ownerId: string): boolean {
  return actor.kind === "user" && actor.user.id === ownerId;
}

/**
 * A token may mint tokens only within itself: scopes granting nothing it lacks, and the same channel restriction.
 * Sessions and Basic sign-ins are not limited.
 */
export function assertTokenMayCreate(actor: SignedInActor, scopes: readonly string[], channelOwnerId: string | null): void {
  const caller = actor.token;
  if (!caller) return;
  const own = permissionsOfScopes(caller.scopes);
  const wider = scopes.filter((scope) => [...permissionsOfScopes([scope])].some((permission) => !own.has(permission)));
  if (wider.length > 0) {
    const message = `This token (scopes ${caller.scopes.join(", ")}) cannot create tokens with broader scopes: ${wider.join(", ")}.`;
    throw new AppError("FORBIDDEN", message, { scopes: message });
  }
  if (caller.channelOwnerId && caller.channelOwnerId !== channelOwnerId) {
    const message = "This token is restricted to one channel: tokens it creates must be restricted to the same channel.";
    throw new AppError("FORBIDDEN", message, { channel: message });
  }
}
