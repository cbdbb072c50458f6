/**
 * What each level of access to a package allows, in one table: groups of an organization carry one of these
 * levels, collaborators have `write`, the package's owner (and the owners of its organization) have `admin`, and
 * everyone has `read` on public packages. The UI renders the labels and descriptions from here.
 */
import { accessLevels, type AccessLevel } from "../db/schema/organizations";

export { accessLevels, type AccessLevel };

export const accessLevelDescriptions: Record<AccessLevel, { label: string; description: string }> = {
  read: { label: "Read-Only", description: "See and download the private packages it reaches." },
  write: { label: "Read-Write", description: "Also upload new files and versions, and move labels." },
  admin: {
    label: "Administration",
    description: "Also change settings, privacy, collaborators and groups, yank releases, delete and transfer. Over all packages: an organization administrator.",
  },
};

/** What one does to a package, and the level it takes. */
export const packageActions = {
  see: "read",
  download: "read",
  upload: "write",
  label: "write",
  changePrivacy: "admin",
  manageCollaborators: "admin",
  delete: "admin",
  // Withdrawing a release breaks installs as surely as deleting it, so it takes what deletion takes.
  yank: "admin",
  transfer: "admin",
} as const satisfies Record<string, AccessLevel>;
export type PackageAction = keyof typeof packageActions;

/** The levels that include `level`: `write` is included in `admin`, `read` in both. */
export function levelsAtLeast(level: AccessLevel): AccessLevel[] {
  return accessLevels.slice(accessLevels.indexOf(level));
}

export function atLeast(held: AccessLevel | null, needed: AccessLevel): boolean {
  return held !== null && accessLevels.indexOf(held) >= accessLevels.indexOf(needed);
}

/** What a level allows, action by action: for pages that show only the controls the actor may use. */
export function allowedPackageActions(level: AccessLevel | null): Record<PackageAction, boolean> {
  return Object.fromEntries(Object.entries(packageActions).map(([action, needed]) => [action, atLeast(level, needed)])) as Record<PackageAction, boolean>;
}
