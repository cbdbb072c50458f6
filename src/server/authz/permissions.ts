/**
 * Every permission Granary knows, in one table. Procedures and routes declare one of these names; roles map
 * onto them below, and the UI renders role descriptions from this table. Token scopes will map here too.
 */
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
  "package:upload": { description: "Publish packages under your own name" },
  "package:update": { description: "Change labels and privacy of your packages" },
  "package:delete": { description: "Delete your packages and their files" },
  "package:star": { description: "Star and unstar packages" },
  "conda:download": { description: "Read conda channels and download conda packages" },
  "pypi:download": { description: "Read PyPI indexes and download Python distributions" },
  "pypi:upload": { description: "Upload Python distributions with twine" },
  "admin:users:read": { description: "See every account on the site" },
  "admin:users:update": { description: "Deactivate and reactivate accounts" },
  "admin:settings:update": { description: "Change site-wide settings such as open registration" },
  "admin:outbox:read": { description: "Read outgoing e-mail kept in the outbox" },
  "admin:exceptions:read": { description: "Read recorded server errors" },
  "admin:audit:read": { description: "Read the site-wide security log" },
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
  "pypi:upload",
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
