/**
 * The one policy module. Everything that decides whether an actor may do something goes through `can` or
 * `assertCan`; nothing else in the code base inspects roles.
 */
import { AppError } from "../errors";
import type { Actor } from "./actor";
import { permissions, rolePermissions, type Permission, type Role } from "./permissions";

export * from "./actor";
export { permissions, allPermissions, roleDescriptions, type Permission, type Role } from "./permissions";

export function roleOf(actor: Actor): Role {
  if (actor.kind === "anonymous") return "anonymous";
  return actor.user.isSiteAdmin ? "site_admin" : "user";
}

export function can(actor: Actor, permission: Permission): boolean {
  return rolePermissions[roleOf(actor)].has(permission);
}

/** Throws UNAUTHORIZED for a visitor who could gain the permission by signing in, FORBIDDEN otherwise. */
export function assertCan(actor: Actor, permission: Permission): void {
  if (can(actor, permission)) return;
  if (actor.kind === "anonymous") throw new AppError("UNAUTHORIZED", "Sign in to continue.");
  throw new AppError("FORBIDDEN", `You do not have permission to ${permissions[permission].description.toLowerCase()}.`);
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
 * Who may see an owner's private things: the owner and site administrators. Organizations, groups and
 * collaborators extend this here when they arrive.
 */
export function canSeeOwnedResource(actor: Actor, resource: OwnedResource): boolean {
  if (!resource.isPrivate) return true;
  return actor.kind === "user" && (actor.user.id === resource.ownerId || actor.user.isSiteAdmin);
}

export function canManageOwner(actor: Actor, ownerId: string): boolean {
  return actor.kind === "user" && (actor.user.id === ownerId || actor.user.isSiteAdmin);
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
