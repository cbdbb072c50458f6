/**
 * Who may see an owner's things and mint tokens, one at a time, from what the actor carries. What depends on
 * organizations, groups and collaborations is decided in the database: visibility.ts (conditions for queries) and
 * package-access.ts (one package or owner); the tests check that they agree.
 */
import { AppError } from "../errors";
import type { Actor, SignedInActor } from "./actor";
import { permissionsOfScopes } from "./permissions";

/** What the policy needs to know about a package or one of its files. */
export interface OwnedResource {
  ownerId: string;
  isPrivate: boolean;
  /** The package, for grants through organizations, groups and collaborations. */
  packageId?: string;
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
 * Whether the actor may see a package or file, one at a time: public ones, everything of the actor's own and, for
 * site administrators, everyone's; beyond that, the private packages of `resource.ownerId` the actor reaches
 * through organizations, groups and collaborations, which the caller read with visiblePackages (`grants`, the
 * package ids). The protocol handler uses this for downloads, with the grants it keeps per channel revision.
 */
export function canSeeOwnedResource(actor: Actor, resource: OwnedResource, grants?: ReadonlySet<string>): boolean {
  if (!canSeeOwner(actor, resource.ownerId)) return false;
  if (!resource.isPrivate) return true;
  if (actor.kind !== "user") return false;
  if (actor.user.id === resource.ownerId || actor.user.isSiteAdmin) return true;
  return resource.packageId !== undefined && grants !== undefined && grants.has(resource.packageId);
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
