/** Permission checks: what an actor's role allows, narrowed by its token's scopes. */
import { AppError } from "../errors";
import type { Actor } from "./actor";
import type { FileType } from "../db/schema/packages";
import { permissions, readOnlyRefusedPermissions, rolePermissions, scopesGrant, uploadPermissions, type Permission, type Role } from "./permissions";

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

/**
 * The permission an upload of this kind needs (the table in permissions.ts). A name Granary takes no file of needs
 * the general package:upload, so that the refusal comes from the parser, which says what is accepted.
 */
export function uploadPermissionFor(fileType: FileType | null): Permission {
  return fileType ? uploadPermissions[fileType] : "package:upload";
}

/** Throws as assertCan does unless the actor may publish files of this kind. */
export function assertCanUpload(actor: Actor, fileType: FileType | null): void {
  assertCan(actor, uploadPermissionFor(fileType));
}

/** Whether read-only mode refuses what this permission allows (the table in permissions.ts). */
export function refusedWhileReadOnly(permission: Permission): boolean {
  return readOnlyRefusedPermissions.has(permission);
}

export const readOnlyMessage =
  "Granary is in read-only mode while administrators maintain it: uploads and changes are refused for now; downloads and browsing go on. Try again later.";

/**
 * The read-only decision, for the two gates every change passes (the tRPC middleware and the protocol handler): a
 * 503, which package clients show and retry later, since nothing is wrong with the request itself.
 */
export function assertWritable(permission: Permission, siteIsReadOnly: boolean): void {
  if (siteIsReadOnly && refusedWhileReadOnly(permission)) throw new AppError("SERVICE_UNAVAILABLE", readOnlyMessage);
}
