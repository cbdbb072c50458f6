/**
 * The admin panel's left menu: every entry of the seeds' four groups (Staff, Site Admin, Providers, Platform), in
 * their order, with Granary's own pages placed among them. An entry whose page is not built yet stays in the list
 * with `built: false` and is not shown; whoever adds the page flips that one line (and gives the entry its
 * permission). The layout, the phone menu and the tests read this list only.
 */
import type { Permission } from "@/server/authz/permissions";

export const adminMenuGroups = ["Staff", "Site Admin", "Providers", "Platform"] as const;
export type AdminMenuGroup = (typeof adminMenuGroups)[number];

export interface AdminMenuEntry {
  group: AdminMenuGroup;
  label: string;
  href: string;
  /** Whether the page exists yet: entries that are not built are not shown. */
  built: boolean;
  /** What the page needs; its entry is shown only to those who have it. */
  permission: Permission;
  /** Also current on the pages below this one (a queue's runs under the Task Queue, a message under the Outbox). */
  includesSubpages?: boolean;
}

export const adminMenu: readonly AdminMenuEntry[] = [
  { group: "Staff", label: "Daily Report", href: "/admin/daily-report", built: true, permission: "admin:users:read" },
  { group: "Staff", label: "Password Reset", href: "/admin/password-reset", built: true, permission: "admin:users:update" },
  { group: "Staff", label: "Notification", href: "/admin/notification", built: true, permission: "admin:settings:update" },
  { group: "Staff", label: "Outbox", href: "/admin/outbox", built: true, permission: "admin:outbox:read", includesSubpages: true },
  { group: "Staff", label: "Exceptions", href: "/admin/exceptions", built: true, permission: "admin:exceptions:read", includesSubpages: true },
  { group: "Site Admin", label: "General", href: "/admin", built: true, permission: "admin:settings:update" },
  { group: "Site Admin", label: "Accounts", href: "/admin/accounts", built: true, permission: "admin:settings:update" },
  { group: "Site Admin", label: "Users", href: "/admin/users", built: true, permission: "admin:users:read" },
  { group: "Site Admin", label: "Organizations", href: "/admin/organizations", built: true, permission: "admin:organizations:read" },
  { group: "Site Admin", label: "Plans", href: "/admin/plans", built: true, permission: "admin:plans:read" },
  { group: "Site Admin", label: "Security Log", href: "/admin/security-log", built: true, permission: "admin:audit:read", includesSubpages: true },
  { group: "Site Admin", label: "Data Centers", href: "/admin/data-centers", built: false, permission: "admin:settings:update" },
  { group: "Site Admin", label: "Task Queue", href: "/admin/task-queue", built: true, permission: "admin:jobs:read", includesSubpages: true },
  { group: "Site Admin", label: "Periodic tasks", href: "/admin/periodic-tasks", built: true, permission: "admin:jobs:read" },
  { group: "Site Admin", label: "License", href: "/admin/license", built: true, permission: "admin:settings:update" },
  { group: "Providers", label: "Enterprise Resources", href: "/admin/enterprise-resources", built: false, permission: "admin:settings:update" },
  { group: "Platform", label: "Applications", href: "/admin/applications", built: true, permission: "admin:applications:read", includesSubpages: true },
  { group: "Platform", label: "Import Errors", href: "/admin/import-errors", built: true, permission: "admin:applications:read" },
  { group: "Platform", label: "Hash Warnings", href: "/admin/hash-warnings", built: true, permission: "admin:applications:read" },
  { group: "Platform", label: "Actions", href: "/admin/actions", built: true, permission: "admin:platform:update" },
  { group: "Platform", label: "Stats", href: "/admin/stats", built: true, permission: "admin:users:read" },
  { group: "Platform", label: "Config", href: "/admin/config", built: true, permission: "admin:settings:update" },
  { group: "Platform", label: "Python packages", href: "/admin/python-packages", built: true, permission: "admin:applications:read" },
  { group: "Platform", label: "Logs", href: "/admin/logs", built: true, permission: "admin:audit:read" },
  { group: "Platform", label: "System logs", href: "/admin/system-logs", built: true, permission: "admin:logs:read" },
  { group: "Platform", label: "Transfer", href: "/admin/transfer", built: false, permission: "admin:settings:update" },
];

/** The path as the menu compares it: decoded, lower-case, without a trailing slash. */
function normalizedPath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A path that cannot be decoded is compared as it is.
  }
  return decoded.toLowerCase().replace(/\/+$/, "") || "/";
}

export function isCurrentAdminEntry(pathname: string, entry: Pick<AdminMenuEntry, "href" | "includesSubpages">): boolean {
  const path = normalizedPath(pathname);
  const href = normalizedPath(entry.href);
  return path === href || (Boolean(entry.includesSubpages) && path.startsWith(`${href}/`));
}

export interface VisibleAdminGroup {
  group: AdminMenuGroup;
  entries: Array<Pick<AdminMenuEntry, "label" | "href" | "includesSubpages">>;
}

/** The built entries the actor may use, by group, in the menu's order; groups left empty are dropped. */
export function visibleAdminMenu(allowed: (permission: Permission) => boolean): VisibleAdminGroup[] {
  return adminMenuGroups
    .map((group) => ({
      group,
      entries: adminMenu
        .filter((entry) => entry.group === group && entry.built && allowed(entry.permission))
        .map(({ label, href, includesSubpages }) => ({ label, href, ...(includesSubpages ? { includesSubpages } : {}) })),
    }))
    .filter((group) => group.entries.length > 0);
}
