import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import {
  allPermissions,
  anonymousActor,
  assertCan,
  assertCanManage,
  can,
  canManageOwner,
  canSeeOwnedResource,
  isPermission,
  originFromHeaders,
  requireUser,
  roleDescriptions,
  roleOf,
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
    "pypi:upload",
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
    expect(error.message).toBe("You do not have permission to change site-wide settings such as open registration.");
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

  it("lets only the owner and site administrators manage an owner's things", () => {
    expect(canManageOwner(visitor, "u-member")).toBe(false);
    expect(canManageOwner(stranger, "u-member")).toBe(false);
    expect(canManageOwner(member, "u-member")).toBe(true);
    expect(canManageOwner(siteAdmin, "u-member")).toBe(true);
  });

  it("hides a private resource from a stranger with NOT_FOUND, and refuses changes to a visible one with FORBIDDEN", () => {
    expect(caught(() => assertCanManage(stranger, "package:update", privatePackage)).code).toBe("NOT_FOUND");
    expect(caught(() => assertCanManage(stranger, "package:update", publicPackage)).code).toBe("FORBIDDEN");
    expect(caught(() => assertCanManage(visitor, "package:update", publicPackage)).code).toBe("UNAUTHORIZED");
    expect(() => assertCanManage(member, "package:update", privatePackage)).not.toThrow();
    expect(() => assertCanManage(siteAdmin, "package:delete", privatePackage)).not.toThrow();
  });
});

describe("originFromHeaders", () => {
  it("takes the first X-Forwarded-For hop and the user agent", () => {
    const origin = originFromHeaders(new Headers({ "x-forwarded-for": "192.0.2.4, 10.0.0.1", "user-agent": "pip/24" }));
    expect(origin).toEqual({ ipAddress: "192.0.2.4", userAgent: "pip/24" });
  });

  it("falls back to X-Real-IP, then to unknown", () => {
    expect(originFromHeaders(new Headers({ "x-real-ip": "192.0.2.9" })).ipAddress).toBe("192.0.2.9");
    expect(originFromHeaders(new Headers())).toEqual({ ipAddress: "unknown", userAgent: null });
  });

  it("bounds what it keeps from headers a client controls", () => {
    const origin = originFromHeaders(new Headers({ "x-forwarded-for": "x".repeat(500), "user-agent": "y".repeat(5000) }));
    expect(origin.ipAddress).toHaveLength(64);
    expect(origin.userAgent).toHaveLength(512);
  });
});
