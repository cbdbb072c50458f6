/**
 * The one policy module. Everything that decides whether an actor may do something goes through `can` or
 * `assertCan`; nothing else in the code base inspects roles or token scopes.
 */
import { AppError } from "../errors";
import type { Actor } from "./actor";
import { permissions, rolePermissions, scopesGrant, type Permission, type Role } from "./permissions";

export * from "./actor";
export {
  permissions,
  allPermissions,
  roleDescriptions,
  tokenScopes,
  sessionOnlyPermissions,
  permissionsOfScopes,
  type Permission,
  type Role,
} from "./permissions";

export function roleOf(actor: Actor): Role {
  if (actor.kind === "anonymous") return "anonymous";
  return actor.user.isSiteAdmin ? "site_admin" : "user";
}

/** Whether the actor's role allows the permission and, for a token, whether one of its scopes grants it. */
export function can(actor: Actor, permission: Permission): boolean {
  if (!rolePermissions[roleOf(actor)].has(permission)) return false;
  return actor.kind === "anonymous" || !actor.token || scopesGrant(actor.token.scopes, permission);
}

/** Throws UNAUTHORIZED for a visitor who could gain the permission by signing in, FORBIDDEN otherwise. */
export function assertCan(actor: Actor, permission: Permission): void {
  if (can(actor, permission)) return;
  if (actor.kind === "anonymous") throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  const action = permissions[permission].description.toLowerCase();
  if (actor.token && rolePermissions[roleOf(actor)].has(permission)) {
    throw new AppError(
      "FORBIDDEN",
      `The access token ${actor.token.name} cannot ${action}: its scopes (${actor.token.scopes.join(", ")}) do not allow it.`,
    );
  }
  throw new AppError("FORBIDDEN", `You do not have permission to ${action}.`);
}

export function isPermission(name: unknown): name is Permission {
  return typeof name === "string" && Object.hasOwn(permissions, name);
}

/** Narrows to a signed-in actor after a permission check that anonymous visitors never pass. */
export function requireUser(actor: Actor): Extract<Actor, { kind: "user" }> {
  if (actor.kind !== "user") throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  return actor;
}

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
