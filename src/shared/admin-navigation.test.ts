import { describe, expect, it } from "vitest";
import { adminMenu, adminMenuGroups, isCurrentAdminEntry, visibleAdminMenu } from "./admin-navigation";

describe("the admin menu", () => {
  it("shows only built entries the actor may use, in the seeds' group order", () => {
    const everything = visibleAdminMenu(() => true);
    expect(everything.map((group) => group.group)).toEqual(adminMenuGroups.filter((group) => adminMenu.some((entry) => entry.group === group && entry.built)));
    const shown = everything.flatMap((group) => group.entries.map((entry) => entry.href));
    expect(shown).toEqual(adminMenu.filter((entry) => entry.built).map((entry) => entry.href));
    expect(shown).toContain("/admin");

    const auditorsOnly = visibleAdminMenu((permission) => permission === "admin:audit:read");
    expect(auditorsOnly.flatMap((group) => group.entries.map((entry) => entry.label))).toEqual(
      adminMenu.filter((entry) => entry.built && entry.permission === "admin:audit:read").map((entry) => entry.label),
    );
    expect(visibleAdminMenu(() => false)).toEqual([]);
  });

  it("marks the current page, and pages below it only where the entry says so", () => {
    expect(isCurrentAdminEntry("/admin", { href: "/admin" })).toBe(true);
    expect(isCurrentAdminEntry("/admin/", { href: "/admin" })).toBe(true);
    expect(isCurrentAdminEntry("/admin/users", { href: "/admin" })).toBe(false);
    expect(isCurrentAdminEntry("/admin/outbox/123", { href: "/admin/outbox", includesSubpages: true })).toBe(true);
    expect(isCurrentAdminEntry("/admin/outboxes", { href: "/admin/outbox", includesSubpages: true })).toBe(false);
    expect(isCurrentAdminEntry("/admin/%E0%A4%A", { href: "/admin" })).toBe(false);
  });

  it("lists every href once", () => {
    expect(new Set(adminMenu.map((entry) => entry.href)).size).toBe(adminMenu.length);
  });
});
