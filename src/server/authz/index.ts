/**
 * The one policy module. Everything that decides whether an actor may do something is here: `can` and
 * `assertCan` for permissions (roles and token scopes); access-levels.ts for what Read-Only, Read-Write and
 * Administration allow; visibility.ts for the SQL conditions every listing, search and index applies inside its
 * query; access.ts and ownership.ts for one package, channel or organization at a time. Nothing else in
 * the code base inspects roles, site administration, token scopes or channel restrictions.
 */
export * from "./access";
export * from "./access-levels";
export * from "./actor";
export * from "./can";
export * from "./ownership";
export * from "./task-runs";
export * from "./visibility";
export {
  permissions,
  allPermissions,
  roleDescriptions,
  tokenScopes,
  sessionOnlyPermissions,
  permissionsOfScopes,
  uploadPermissions,
  readOnlyRefusedPermissions,
  type Permission,
  type Role,
} from "./permissions";
