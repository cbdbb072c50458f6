/**
 * Transferring a package to a new owner (seed 002): to an organization the user administers, or back to the user
 * from such an organization. Files, labels, stars and download counts move with it (they hang on the package and
 * its files); the old owner's channels stop listing it at once (both revisions move); the old page answers a
 * permanent redirect; both owners' audit trails and mail record it.
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { siteUrl } from "./general-settings";
import { normalizePackageName, packageRefSchema } from "@/shared/schemas/packages";
import { transferPackageSchema } from "@/shared/schemas/organizations";
import { administersOwner, assertCan, assertPackageAction, requireUser, visiblePackages, type Actor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { groupPackages, organizationMembers, packageFiles, packageRedirects, packages, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { loadUser } from "./account-records";
import { recordAudit } from "./audit";
import { listMyOrganizations } from "./organizations";
import { bumpChannelRevision, forgetCachedChannel, findOwner, requireVisibleOwner } from "./owners";
import { loadVisiblePackage } from "./packages";
import { verifyPassword } from "./passwords";
import { assertWithinPlan } from "./plans";

/** Where the caller may transfer packages to: itself and the organizations it administers. */
export async function listTransferTargets(db: Db, actor: Actor): Promise<string[]> {
  const { user } = requireUser(actor);
  const organizations = await listMyOrganizations(db, actor, { administeredOnly: true });
  return [user.username, ...organizations.map((organization) => organization.username)];
}

export async function transferPackage(db: Db, actor: Actor, rawInput: z.input<typeof transferPackageSchema>) {
  assertCan(actor, "package:transfer");
  const { user } = requireUser(actor);
  const input = transferPackageSchema.parse(rawInput);
  const { owner: from, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  await assertPackageAction(db, actor, pkg.id, "transfer");
  if (input.confirmation !== pkg.name) throw AppError.field("confirmation", `Type the package name, ${pkg.name}, exactly to confirm.`);
  // Between owners the user controls (seed 002): out of an organization only when administering it (Administration
  // over one of its packages is not enough to take it away), and into oneself or an organization one administers.
  if (!(await administersOwner(db, actor, from))) {
    throw new AppError("FORBIDDEN", `Only an administrator of ${from.username} can transfer its packages to another owner.`);
  }
  const to = await findOwner(db, input.to);
  if (!to || !(await administersOwner(db, actor, to))) throw AppError.field("to", `You can transfer packages only to yourself or to an organization you administer.`, "FORBIDDEN");
  if (to.id === from.id) throw AppError.field("to", `${pkg.name} belongs to ${from.username} already.`);
  if (!(await verifyPassword((await loadUser(db, user.id)).passwordHash, input.password))) {
    throw AppError.field("password", "Your password is not right.");
  }

  try {
    await db.transaction(async (tx) => {
      const [size] = await tx
        .select({ bytes: sql<number>`coalesce(sum(${packageFiles.size}), 0)::bigint`.mapWith(Number) })
        .from(packageFiles)
        .where(eq(packageFiles.packageId, pkg.id));
      await assertWithinPlan(tx, to.id, { addBytes: size?.bytes ?? 0, addPrivatePackages: pkg.isPrivate ? 1 : 0 });
      await tx.update(packages).set({ ownerId: to.id, updatedAt: new Date() }).where(eq(packages.id, pkg.id));
      await tx.update(packageFiles).set({ ownerId: to.id }).where(eq(packageFiles.packageId, pkg.id));
      // The old organization's groups do not follow the package into another owner's channel.
      await tx.delete(groupPackages).where(eq(groupPackages.packageId, pkg.id));
      // The new owner's name for it now means this package; the old one redirects here.
      await tx.delete(packageRedirects).where(and(eq(packageRedirects.ownerId, to.id), eq(packageRedirects.normalizedName, pkg.normalizedName)));
      await tx
        .insert(packageRedirects)
        .values({ ownerId: from.id, normalizedName: pkg.normalizedName, packageId: pkg.id })
        .onConflictDoUpdate({ target: [packageRedirects.ownerId, packageRedirects.normalizedName], set: { packageId: pkg.id, createdAt: new Date() } });
      await bumpChannelRevision(tx, from.id);
      await bumpChannelRevision(tx, to.id);
      for (const subject of new Set([from.id, to.id, user.id])) {
        await recordAudit(tx, actor, {
          action: "package.transferred",
          target: { type: "package", id: pkg.id, label: `${to.username}/${pkg.name}` },
          subjectUserId: subject,
          details: { from: from.username, to: to.username },
        });
      }
    });
    forgetCachedChannel(from.id);
    forgetCachedChannel(to.id);
  } catch (error) {
    const constraint = uniqueViolationConstraint(error);
    if (constraint === "packages_owner_name_unique") throw AppError.field("to", `${to.username} has a package named ${pkg.name} already.`, "CONFLICT");
    if (constraint === "package_files_owner_subdir_filename_unique") {
      throw AppError.field("to", `${to.username} already has files with the same names as some of ${pkg.name}'s.`, "CONFLICT");
    }
    throw error;
  }

  const packageUrl = `${await siteUrl(db)}/${encodeURIComponent(to.username)}/${encodeURIComponent(pkg.name)}`;
  for (const recipient of await mailRecipients(db, [from, to])) {
    await sendEmail(db, {
      to: recipient.email,
      template: "packageTransferred",
      props: { username: recipient.username, packageName: pkg.name, from: from.username, to: to.username, by: user.username, packageUrl },
    });
  }
  return { owner: to.username, name: pkg.name };
}

/** A person is told at their own address; an organization through its owners'. */
async function mailRecipients(db: Db, owners: { id: string; kind: string; username: string; email: string }[]) {
  const recipients = new Map<string, { username: string; email: string }>();
  for (const owner of owners) {
    if (owner.kind === "user") {
      recipients.set(owner.id, { username: owner.username, email: owner.email });
      continue;
    }
    const rows = await db
      .select({ id: users.id, username: users.username, email: users.email })
      .from(organizationMembers)
      .innerJoin(users, eq(users.id, organizationMembers.userId))
      .where(and(eq(organizationMembers.organizationId, owner.id), eq(organizationMembers.role, "owner")));
    for (const row of rows) recipients.set(row.id, { username: row.username, email: row.email });
  }
  return [...recipients.values()];
}

/** Where a package that moved went: for the old page's permanent redirect, when the actor may see the package now. */
export async function findPackageRedirect(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>) {
  assertCan(actor, "package:read");
  const input = packageRefSchema.parse(rawInput);
  const from = await requireVisibleOwner(db, actor, input.owner);
  const [row] = await db
    .select({ owner: users.username, name: packages.name })
    .from(packageRedirects)
    .innerJoin(packages, eq(packages.id, packageRedirects.packageId))
    .innerJoin(users, eq(users.id, packages.ownerId))
    .where(and(eq(packageRedirects.ownerId, from.id), eq(packageRedirects.normalizedName, normalizePackageName(input.name)), visiblePackages(actor)));
  if (!row) throw new AppError("NOT_FOUND", `There is no package ${input.owner}/${input.name}.`);
  return row;
}
