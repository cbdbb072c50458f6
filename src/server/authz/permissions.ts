/**
 * Every permission Granary knows, in one table. Procedures and routes declare one of these names; roles and
 * access token scopes map onto them below, and the UI renders role and scope descriptions from this table.
 */
import { tokenScopeDescriptions, tokenScopeNames, type TokenScope } from "@/shared/token-scopes";
import type { FileType } from "../db/schema/packages";

export const permissions = {
  "site:read": { description: "See public pages and site information" },
  "account:create": { description: "Sign up for a new account" },
  "session:create": { description: "Sign in" },
  "account:recover": { description: "Recover a forgotten username or password" },
  "account:read": { description: "See your own account and its settings" },
  "account:update": { description: "Change your e-mail address and password" },
  "account:delete": { description: "Delete your own account" },
  "security-log:read": { description: "See your own account's security history" },
  "session:delete": { description: "Sign out" },
  "package:read": { description: "Find and download packages you can see" },
  "package:upload": { description: "Publish notebooks and environments under your own name" },
  "package:update": { description: "Change labels and privacy of your packages" },
  "package:delete": { description: "Delete your packages and their files, and yank their releases" },
  "package:star": { description: "Star and unstar packages" },
  "conda:download": { description: "Read conda channels and download conda packages" },
  "conda:upload": { description: "Upload conda packages (through the upload API: conda tooling, the granary CLI, the upload page)" },
  "pypi:download": { description: "Read PyPI indexes and download Python distributions" },
  "pypi:upload": { description: "Upload Python distributions (wheels and sdists, with twine or through the upload API)" },
  "package:share": { description: "Give people and groups access to packages you administer" },
  "package:transfer": { description: "Transfer packages to another owner you administer" },
  "organization:read": { description: "See the organizations you belong to, their members and groups" },
  "organization:create": { description: "Create organizations" },
  "organization:update": { description: "Change the members and settings of organizations you administer" },
  "organization:delete": { description: "Delete organizations you own" },
  "group:update": { description: "Add and change groups and their members" },
  "billing:read": { description: "See the plan and usage of your account and your organizations" },
  "billing:update": { description: "Change the plan of your account and the organizations you own" },
  "notification:read": { description: "See your notifications" },
  "notification:update": { description: "Mark your notifications read" },
  "token:read": { description: "See your access tokens" },
  "token:create": { description: "Create access tokens" },
  "token:revoke": { description: "Revoke access tokens" },
  "task:read": { description: "See the tasks of active applications and your own runs of them, and download their results" },
  "task:run": { description: "Run the tasks of active applications, rerun and cancel your own runs" },
  "admin:users:read": { description: "See every account on the site" },
  "admin:users:update": { description: "Deactivate and reactivate accounts, give or take site administration and make password-reset links" },
  "admin:settings:update": { description: "Change site-wide settings such as open registration and where accounts come from" },
  "admin:outbox:read": { description: "Read outgoing e-mail kept in the outbox" },
  "admin:exceptions:read": { description: "Read recorded server errors" },
  "admin:exceptions:update": { description: "Mark recorded server errors read" },
  "admin:audit:read": { description: "Read the site-wide security log, the platform log and the authentication log" },
  "admin:logs:read": { description: "Read the system logs: startup, periodic tasks, package installs, user tasks and API errors" },
  "admin:organizations:read": { description: "See every organization on the site" },
  "admin:plans:read": { description: "See the plans and who has them" },
  "admin:plans:update": { description: "Edit plans and assign them to any account or organization" },
  "admin:jobs:read": { description: "See background jobs, their queues, runs and workers, and the periodic tasks" },
  "admin:jobs:update": { description: "Retry and cancel background jobs, run periodic tasks now and restart workers" },
  "admin:platform:read": { description: "See whether the site is read-only, the platform's restarts and the deletion of public objects" },
  "admin:platform:update": { description: "Put the site in read-only mode, restart the platform and delete all public objects" },
  "admin:applications:read": { description: "See the applications installed on the platform, their installs, import errors and Python packages" },
  "admin:applications:update": { description: "Install, update, activate, deactivate and delete applications, and set their tasks' limits" },
  "admin:task-runs:read": { description: "See every user's task runs, their logs and results" },
} as const satisfies Record<string, { description: string }>;

export type Permission = keyof typeof permissions;

export const allPermissions = Object.keys(permissions) as Permission[];

export type Role = "anonymous" | "user" | "site_admin";

const anonymousPermissions: Permission[] = [
  "site:read",
  "account:create",
  "session:create",
  "account:recover",
  "package:read",
  "conda:download",
  "pypi:download",
];
const userPermissions: Permission[] = [
  ...anonymousPermissions,
  "account:read",
  "account:update",
  "account:delete",
  "security-log:read",
  "session:delete",
  "package:upload",
  "package:update",
  "package:delete",
  "package:star",
  "conda:upload",
  "pypi:upload",
  "token:read",
  "token:create",
  "token:revoke",
  "package:share",
  "package:transfer",
  "organization:read",
  "organization:create",
  "organization:update",
  "organization:delete",
  "group:update",
  "billing:read",
  "billing:update",
  "notification:read",
  "notification:update",
  "task:read",
  "task:run",
];

export const rolePermissions: Record<Role, ReadonlySet<Permission>> = {
  anonymous: new Set(anonymousPermissions),
  user: new Set(userPermissions),
  site_admin: new Set(allPermissions),
};

export const roleDescriptions: Record<Role, string> = {
  anonymous: "Visitors without an account",
  user: "Signed-in users",
  site_admin: "Site administrators",
};

// ---------------------------------------------------------------------------------------------- token scopes

/**
 * Powers that belong to a person at a browser and are never granted to an access token, whatever its scope.
 * (Creating tokens is allowed to tokens with `all` or `api:write`, but only narrower ones: see the token
 * service.)
 */
export const sessionOnlyPermissions: ReadonlySet<Permission> = new Set<Permission>([
  "account:create",
  "session:create",
  "account:recover",
  "account:update",
  "account:delete",
  "session:delete",
  // Both are confirmed with the account's password or a typed name, by a person.
  "organization:delete",
  "package:transfer",
]);

/** Every token may read what anyone may about the site itself. */
export const everyTokenPermissions: readonly Permission[] = ["site:read"];

const apiReadPermissions: Permission[] = [
  "account:read",
  "security-log:read",
  "package:read",
  "token:read",
  "organization:read",
  "billing:read",
  "notification:read",
  "admin:organizations:read",
  "admin:plans:read",
  "admin:users:read",
  "admin:outbox:read",
  "admin:exceptions:read",
  "admin:audit:read",
  "admin:logs:read",
  "admin:jobs:read",
  "admin:platform:read",
  "admin:applications:read",
  "admin:task-runs:read",
  "task:read",
];
const apiWritePermissions: Permission[] = [
  "package:upload",
  "conda:upload",
  "pypi:upload",
  "package:update",
  "package:delete",
  "package:star",
  "token:create",
  "token:revoke",
  "package:share",
  "organization:create",
  "organization:update",
  "billing:update",
  "notification:update",
  "admin:users:update",
  "admin:settings:update",
  "admin:plans:update",
  "admin:exceptions:update",
  "admin:jobs:update",
  "admin:platform:update",
  "admin:applications:update",
  "task:run",
];

const scopeGrants: Record<TokenScope, readonly Permission[]> = {
  all: allPermissions.filter((permission) => !sessionOnlyPermissions.has(permission)),
  api: [...apiReadPermissions, ...apiWritePermissions],
  "api:read": apiReadPermissions,
  "api:write": apiWritePermissions,
  "api:modify-group": ["group:update"],
  conda: ["conda:download", "conda:upload"],
  "conda:download": ["conda:download"],
  pypi: ["pypi:download", "pypi:upload"],
  "pypi:download": ["pypi:download"],
  "pypi:upload": ["pypi:upload"],
  repos: ["conda:download", "pypi:download", "package:read"],
};

function mapScopes<Value>(make: (scope: TokenScope) => Value): Record<TokenScope, Value> {
  return Object.fromEntries(tokenScopeNames.map((scope) => [scope, make(scope)])) as Record<TokenScope, Value>;
}

/**
 * The scope table: what each scope means and which permissions it grants. A token may do what its account's
 * role allows AND one of its scopes grants (see `can`).
 */
export const tokenScopes: Record<TokenScope, { description: string; permissions: readonly Permission[] }> = mapScopes((scope) => ({
  description: tokenScopeDescriptions[scope],
  permissions: scopeGrants[scope].filter((permission) => !sessionOnlyPermissions.has(permission)),
}));

const scopePermissionSets: Record<TokenScope, ReadonlySet<Permission>> = mapScopes(
  (scope) => new Set<Permission>([...everyTokenPermissions, ...tokenScopes[scope].permissions]),
);

/** Whether any of the scopes grants the permission (session-only permissions never are). */
export function scopesGrant(scopes: readonly string[], permission: Permission): boolean {
  if (sessionOnlyPermissions.has(permission)) return false;
  return scopes.some((scope) => Object.hasOwn(scopePermissionSets, scope) && scopePermissionSets[scope as TokenScope].has(permission));
}

/** Every permission the scopes grant together. */
export function permissionsOfScopes(scopes: readonly string[]): Set<Permission> {
  return new Set(allPermissions.filter((permission) => scopesGrant(scopes, permission)));
}

// ---------------------------------------------------------------------------------------------- read-only mode

/**
 * What the site refuses while an administrator has put it in read-only mode (Warehouse's): every upload and every
 * change to packages, organizations and groups, new accounts and new tokens, so that the data stays as it is for
 * a migration, a backup or the deletion of public objects. Reading, downloading, signing in and out, account
 * security (passwords, revoking tokens) and site administration (turning read-only off first) go on.
 */
export const readOnlyRefusedPermissions: ReadonlySet<Permission> = new Set<Permission>([
  "account:create",
  "account:delete",
  "package:upload",
  "package:update",
  "package:delete",
  "package:star",
  "conda:upload",
  "pypi:upload",
  "package:share",
  "package:transfer",
  "organization:create",
  "organization:update",
  "organization:delete",
  "group:update",
  "billing:update",
  "token:create",
  // A run stores its results: the data stays as it is while the site is read-only.
  "task:run",
]);

// ---------------------------------------------------------------------------------------------- uploads

/**
 * The permission publishing a file needs, by the kind of file, whatever route brings it: a scope for one ecosystem
 * publishes into that ecosystem only (a `conda` token no wheels, a `pypi:upload` token no conda packages).
 * Notebooks and environments belong to neither and need the general package:upload. Sessions and `all` tokens
 * have all three; `api:write` too, as every change through the API.
 */
export const uploadPermissions: Record<FileType, Permission> = {
  conda: "conda:upload",
  wheel: "pypi:upload",
  sdist: "pypi:upload",
  notebook: "package:upload",
  environment: "package:upload",
};
