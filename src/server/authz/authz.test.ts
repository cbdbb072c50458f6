import { describe, expect, it } from "vitest";
import { tokenScopeNames, type TokenScope } from "@/shared/token-scopes";
import { clientAddressHeader } from "../client-address";
import { AppError } from "../errors";
import {
  allPermissions,
  anonymousActor,
  assertCan,
  assertCanUpload,
  can,
  canSeeOwnedResource,
  isPermission,
  originFromHeaders,
  requireUser,
  roleDescriptions,
  roleOf,
  permissionsOfScopes,
  sessionOnlyPermissions,
  tokenActor,
  tokenScopes,
  uploadPermissionFor,
  userActor,
  type Actor,
  type Permission,
} from ".";

const visitor = anonymousActor({ ipAddress: "198.51.100.1", userAgent: "test" });
const member = userActor({ id: "u-member", username: "member", email: "member@example.test", name: null, isSiteAdmin: false });
const siteAdmin = userActor({ id: "u-admin", username: "boss", email: "boss@example.test", name: null, isSiteAdmin: true });

/** What each kind of actor may do, written out rather than derived from the policy table it checks. */
const expectedPermissions: Record<"anonymous" | "user" | "site_admin", readonly Permission[]> = {
  anonymous: ["site:read", "account:create", "session:create", "account:recover", "package:read", "conda:download", "pypi:download"],
  user: [
    "site:read",
    "account:create",
    "session:create",
    "account:recover",
    "package:read",
    "conda:download",
    "pypi:download",
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
  ],
  site_admin: allPermissions,
};

function caught(action: () => void): AppError {
  try {
    action();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("Expected an AppError.");
}

describe("roles", () => {
  it("maps each kind of actor to its role", () => {
    expect(roleOf(visitor)).toBe("anonymous");
    expect(roleOf(member)).toBe("user");
    expect(roleOf(siteAdmin)).toBe("site_admin");
  });

  it("describes every role for the UI", () => {
    expect(Object.keys(roleDescriptions).sort()).toEqual(["anonymous", "site_admin", "user"]);
  });
});

describe.each([
  ["anonymous", visitor],
  ["user", member],
  ["site_admin", siteAdmin],
] as const)("can() for %s", (role, actor: Actor) => {
  const allowed = new Set(expectedPermissions[role]);
  it.each(allPermissions.map((permission) => [permission, allowed.has(permission)] as const))("%s → %s", (permission, expected) => {
    expect(can(actor, permission)).toBe(expected);
  });
});

describe("assertCan", () => {
  it("passes silently when the permission is held", () => {
    expect(() => assertCan(visitor, "account:create")).not.toThrow();
    expect(() => assertCan(member, "account:update")).not.toThrow();
    expect(() => assertCan(siteAdmin, "admin:users:update")).not.toThrow();
  });

  it("answers UNAUTHORIZED to a visitor, who could gain the permission by signing in", () => {
    const error = caught(() => assertCan(visitor, "account:read"));
    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.message).toBe("Sign in to continue.");
  });

  it("answers UNAUTHORIZED to a visitor even for administrator permissions", () => {
    expect(caught(() => assertCan(visitor, "admin:users:read")).code).toBe("UNAUTHORIZED");
  });

  it("answers FORBIDDEN to a signed-in user, naming what they may not do", () => {
    const error = caught(() => assertCan(member, "admin:settings:update"));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toBe("You do not have permission to change site-wide settings such as open registration and where accounts come from.");
  });
});

describe("isPermission", () => {
  it("knows every declared permission", () => {
    for (const permission of allPermissions) expect(isPermission(permission)).toBe(true);
  });

  it.each([["admin:everything"], [""], ["toString"], ["__proto__"], [undefined], [42]])("rejects %j", (name) => {
    expect(isPermission(name)).toBe(false);
  });
});

describe("requireUser", () => {
  it("narrows a signed-in actor", () => {
    expect(requireUser(member).user.username).toBe("member");
  });

  it("refuses a visitor with UNAUTHORIZED", () => {
    expect(caught(() => requireUser(visitor)).code).toBe("UNAUTHORIZED");
  });
});

describe("owned resources", () => {
  const publicPackage = { ownerId: "u-member", isPrivate: false };
  const privatePackage = { ownerId: "u-member", isPrivate: true };
  const stranger = userActor({ id: "u-other", username: "other", email: "other@example.test", name: null, isSiteAdmin: false });

  it("shows public resources to everyone and private ones to their owner and site administrators only", () => {
    expect(canSeeOwnedResource(visitor, publicPackage)).toBe(true);
    expect(canSeeOwnedResource(visitor, privatePackage)).toBe(false);
    expect(canSeeOwnedResource(stranger, privatePackage)).toBe(false);
    expect(canSeeOwnedResource(member, privatePackage)).toBe(true);
    expect(canSeeOwnedResource(siteAdmin, privatePackage)).toBe(true);
  });

  it("shows a private package reached through organizations, groups or collaborations only with its grants", () => {
    const granted = { ownerId: "o-team", isPrivate: true, packageId: "p-1" };
    expect(canSeeOwnedResource(stranger, granted)).toBe(false);
    expect(canSeeOwnedResource(stranger, granted, new Set(["p-2"]))).toBe(false);
    expect(canSeeOwnedResource(stranger, granted, new Set(["p-1"]))).toBe(true);
    expect(canSeeOwnedResource(visitor, granted, new Set(["p-1"]))).toBe(false);
  });
});

describe("originFromHeaders", () => {
  it("takes the address the launcher decided, and the user agent", () => {
    const origin = originFromHeaders(new Headers({ [clientAddressHeader]: "192.0.2.4", "user-agent": "pip/24" }));
    expect(origin).toEqual({ ipAddress: "192.0.2.4", userAgent: "pip/24" });
  });

  it("never believes X-Forwarded-For or X-Real-IP, which the web app cannot judge", () => {
    const headers = new Headers({ "x-forwarded-for": "192.0.2.4, 10.0.0.1", "x-real-ip": "192.0.2.9" });
    expect(originFromHeaders(headers)).toEqual({ ipAddress: "unknown", userAgent: null });
  });

  it("bounds what it keeps from headers a client controls", () => {
    const origin = originFromHeaders(new Headers({ [clientAddressHeader]: "x".repeat(500), "user-agent": "y".repeat(5000) }));
    expect(origin.ipAddress).toBe("unknown");
    expect(origin.userAgent).toHaveLength(512);
  });
});

describe("token scopes", () => {
  const asToken = (scopes: TokenScope[], channelOwnerId: string | null = null, user = member) =>
    user.kind === "user" ? tokenActor(user.user, { id: "t-1", name: "ci", scopes, channelOwnerId }) : user;
  const admin = (scopes: TokenScope[]) => asToken(scopes, null, siteAdmin);

  /** What the issue requires of each scope, written out rather than read from the table it checks. */
  it("gives each scope its meaning", () => {
    const condaDownload = asToken(["conda:download"]);
    expect(can(condaDownload, "conda:download")).toBe(true);
    expect(can(condaDownload, "conda:upload")).toBe(false);
    expect(can(condaDownload, "pypi:download")).toBe(false);
    expect(can(condaDownload, "package:upload")).toBe(false);

    const pypiUpload = asToken(["pypi:upload"]);
    expect(can(pypiUpload, "pypi:upload")).toBe(true);
    expect(can(pypiUpload, "package:delete")).toBe(false);
    expect(can(pypiUpload, "conda:upload")).toBe(false);

    const apiRead = asToken(["api:read"]);
    for (const permission of ["account:read", "package:read", "token:read", "security-log:read"] as const) expect(can(apiRead, permission)).toBe(true);
    for (const permission of ["package:update", "package:delete", "package:star", "token:create", "token:revoke", "conda:upload"] as const) {
      expect(can(apiRead, permission)).toBe(false);
    }
    expect(can(admin(["api:read"]), "admin:users:read")).toBe(true);
    expect(can(admin(["api:read"]), "admin:users:update")).toBe(false);

    expect(scopesGrantOnly("api:modify-group")).toEqual(["group:update"]);
    expect(tokenScopes["api:write"].permissions).not.toContain("group:update");
    expect(tokenScopes.api.permissions).not.toContain("group:update");

    expect([...permissionsOfScopes(["repos"])].sort()).toEqual(["conda:download", "package:read", "pypi:download", "site:read"]);
    expect([...permissionsOfScopes(["conda"])].sort()).toEqual(["conda:download", "conda:upload", "site:read"]);
    expect(permissionsOfScopes(["pypi"])).toEqual(permissionsOfScopes(["pypi:download", "pypi:upload"]));
    expect(permissionsOfScopes(["api"])).toEqual(permissionsOfScopes(["api:read", "api:write"]));
  });

  it("lets each scope upload only the kinds of file of its ecosystem", () => {
    const kinds = ["conda", "wheel", "sdist", "notebook", "environment"] as const;
    const uploadable = (scopes: TokenScope[]) => kinds.filter((kind) => can(asToken(scopes), uploadPermissionFor(kind)));
    expect(uploadable(["conda"])).toEqual(["conda"]);
    expect(uploadable(["pypi"])).toEqual(["wheel", "sdist"]);
    expect(uploadable(["pypi:upload"])).toEqual(["wheel", "sdist"]);
    for (const scopes of [["all"], ["api"], ["api:write"]] as TokenScope[][]) expect(uploadable(scopes), scopes.join()).toEqual([...kinds]);
    for (const scopes of [["api:read"], ["conda:download"], ["pypi:download"], ["repos"], ["api:modify-group"]] as TokenScope[][]) {
      expect(uploadable(scopes), scopes.join()).toEqual([]);
    }
    expect(kinds.filter((kind) => can(member, uploadPermissionFor(kind)))).toEqual([...kinds]);
    expect(kinds.filter((kind) => can(anonymousActor(), uploadPermissionFor(kind)))).toEqual([]);
    expect(uploadPermissionFor(null)).toBe("package:upload");
    const refused = caught(() => assertCanUpload(asToken(["conda"]), "wheel"));
    expect(refused.code).toBe("FORBIDDEN");
    expect(refused.message).toContain("cannot upload python distributions");
  });

  it("lets `all` do everything the account may, except what needs a session", () => {
    const everything = asToken(["all"]);
    for (const permission of allPermissions) {
      expect(can(everything, permission), permission).toBe(expectedPermissions.user.includes(permission) && !sessionOnlyPermissions.has(permission));
    }
    expect(can(admin(["all"]), "admin:settings:update")).toBe(true);
  });

  it("never grants a session-only power to any token, whatever its scopes", () => {
    const everyScope = asToken([...tokenScopeNames]);
    for (const permission of ["account:update", "account:delete", "session:create", "session:delete", "account:create", "account:recover"] as const) {
      expect(sessionOnlyPermissions.has(permission)).toBe(true);
      expect(can(everyScope, permission), permission).toBe(false);
      expect(can(admin([...tokenScopeNames]), permission), permission).toBe(false);
    }
  });

  it("describes every scope and grants only known permissions", () => {
    expect(Object.keys(tokenScopes).sort()).toEqual([...tokenScopeNames].sort());
    for (const scope of tokenScopeNames) {
      expect(tokenScopes[scope].description.length).toBeGreaterThan(10);
      for (const permission of tokenScopes[scope].permissions) expect(isPermission(permission)).toBe(true);
    }
  });

  it("needs the role as well as the scope", () => {
    expect(can(asToken(["all"]), "admin:users:read")).toBe(false);
    expect(caught(() => assertCan(asToken(["all"]), "admin:users:read")).message).toBe("You do not have permission to see every account on the site.");
    const scoped = caught(() => assertCan(asToken(["conda:download"]), "pypi:download"));
    expect(scoped.code).toBe("FORBIDDEN");
    expect(scoped.message).toContain("its scopes (conda:download) do not allow it");
  });

  it("keeps a channel-restricted token inside its channel, public resources included", () => {
    const restricted = asToken(["all"], "u-member");
    const elsewhere = asToken(["all"], "u-other");
    expect(canSeeOwnedResource(restricted, { ownerId: "u-member", isPrivate: true })).toBe(true);
    expect(canSeeOwnedResource(elsewhere, { ownerId: "u-member", isPrivate: false })).toBe(false);
    expect(canSeeOwnedResource(elsewhere, { ownerId: "u-other", isPrivate: false })).toBe(true);
    expect(canSeeOwnedResource(elsewhere, { ownerId: "u-other", isPrivate: true })).toBe(false);
    // Not even a site administrator's token reaches outside its channel.
    expect(canSeeOwnedResource(asToken(["all"], "u-other", siteAdmin), { ownerId: "u-member", isPrivate: false })).toBe(false);
  });
});

function scopesGrantOnly(scope: TokenScope): string[] {
  return [...tokenScopes[scope].permissions];
}
