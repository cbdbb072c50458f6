/**
 * What `granary-admin` does on the server (seed 000's admin command line): grant or take back site administrator
 * rights, remove an account with what it owns, remove a package. Each is a service over the same rules as the web
 * app's own actions (deleting an account, deleting a package), called with the command-line actor, and each comes
 * with a `describe…` that says what it would do, for the confirmation question.
 */
import { and, count, eq, sql } from "drizzle-orm";
import { normalizePackageName } from "@/shared/schemas/packages";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { accessTokens, organizationMembers, packageFiles, packages, users } from "../db/schema";
import { AppError } from "../errors";
import type { BlobStore } from "../storage";
import { isPersonalAccount } from "./account-records";
import { accountRemovalBlocker, removeAccountRecords } from "./accounts";
import { recordAudit } from "./audit";
import { deletePackage } from "./package-changes";
import { endAllSessions } from "./sessions";
import { forgetCachedCredentials } from "./token-cache";

async function loadPersonalAccount(db: Db, username: string) {
  const [user] = await db
    .select({ id: users.id, username: users.username, email: users.email, isSiteAdmin: users.isSiteAdmin, isActive: users.isActive })
    .from(users)
    .where(and(isPersonalAccount, sql`lower(${users.username}) = ${username.trim().toLowerCase()}`));
  if (!user) throw new AppError("NOT_FOUND", `There is no account named ${username}.`);
  return user;
}

async function activeAdministratorCount(db: Db): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(users)
    .where(and(isPersonalAccount, eq(users.isSiteAdmin, true), eq(users.isActive, true)));
  return row?.value ?? 0;
}

/**
 * `superuser --add/--remove`. Taking the rights away ends the account's sessions, so an open browser loses the
 * admin panel at once; the last active administrator keeps them (the site would have nobody to run it).
 */
export async function setSiteAdministrator(db: Db, actor: Actor, input: { username: string; isSiteAdmin: boolean }) {
  assertCan(actor, "admin:users:update");
  const user = await loadPersonalAccount(db, input.username);
  if (user.isSiteAdmin === input.isSiteAdmin) {
    return { username: user.username, changed: false, isSiteAdmin: user.isSiteAdmin, isActive: user.isActive };
  }
  return db.transaction(async (tx) => {
    // Under a lock on the administrators, so two removals at once cannot both pass the check.
    await tx.execute(sql`select id from ${users} where ${users.isSiteAdmin} for update`);
    if (!input.isSiteAdmin && user.isActive && (await activeAdministratorCount(tx)) <= 1) {
      throw new AppError("PRECONDITION_FAILED", `${user.username} is the only active site administrator: make someone else an administrator first.`);
    }
    await tx
      .update(users)
      .set({
        isSiteAdmin: input.isSiteAdmin,
        sessionVersion: input.isSiteAdmin ? sql`${users.sessionVersion}` : sql`${users.sessionVersion} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(users.id, user.id));
    const sessionsEnded = input.isSiteAdmin ? 0 : await endAllSessions(tx, user.id, "revoked");
    await recordAudit(tx, actor, {
      action: input.isSiteAdmin ? "admin.superuser_granted" : "admin.superuser_revoked",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      ...(input.isSiteAdmin ? {} : { details: { sessionsEnded } }),
    });
    forgetCachedCredentials(user.id);
    return { username: user.username, changed: true, isSiteAdmin: input.isSiteAdmin, isActive: user.isActive };
  });
}

/** What removing the account takes with it, for the confirmation question (and the refusal, if it cannot go). */
export async function describeAccountRemoval(db: Db, actor: Actor, username: string) {
  assertCan(actor, "admin:users:update");
  const user = await loadPersonalAccount(db, username);
  const [[owned], [files], [tokens], [memberships]] = await Promise.all([
    db.select({ value: count() }).from(packages).where(eq(packages.ownerId, user.id)),
    db.select({ value: count() }).from(packageFiles).where(eq(packageFiles.ownerId, user.id)),
    db.select({ value: count() }).from(accessTokens).where(eq(accessTokens.userId, user.id)),
    db.select({ value: count() }).from(organizationMembers).where(eq(organizationMembers.userId, user.id)),
  ]);
  return {
    user,
    packages: owned?.value ?? 0,
    files: files?.value ?? 0,
    tokens: tokens?.value ?? 0,
    organizations: memberships?.value ?? 0,
    blocker: await accountRemovalBlocker(db, user),
  };
}

/** `remove-user`: the web app's account deletion, done by the operator for the account. */
export async function removeUser(db: Db, actor: Actor, input: { username: string }) {
  const plan = await describeAccountRemoval(db, actor, input.username);
  const { user, blocker } = plan;
  if (blocker?.reason === "last_administrator") {
    throw new AppError("PRECONDITION_FAILED", `${user.username} is the only active site administrator: make someone else an administrator first.`);
  }
  if (blocker?.reason === "sole_owner") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `${user.username} is the only owner of ${blocker.organizations.join(", ")}: make someone else an owner there, or delete ${blocker.organizations.length === 1 ? "it" : "them"}, first.`,
    );
  }
  await removeAccountRecords(db, actor, user, "admin.user_removed", { packages: plan.packages, files: plan.files });
  return { username: user.username, packages: plan.packages, files: plan.files, tokens: plan.tokens };
}

/** `remove-project OWNER PACKAGE`: what the package's page does on Delete, with the confirmation already given. */
export async function removePackage(db: Db, actor: Actor, input: { owner: string; name: string }, store: BlobStore) {
  const [row] = await db
    .select({ name: packages.name, files: sql<number>`(select count(*)::int from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})` })
    .from(packages)
    .innerJoin(users, eq(users.id, packages.ownerId))
    .where(and(sql`lower(${users.username}) = ${input.owner.trim().toLowerCase()}`, eq(packages.normalizedName, normalizePackageName(input.name.trim()))));
  if (!row) throw new AppError("NOT_FOUND", `There is no package ${input.owner}/${input.name}.`);
  await deletePackage(db, actor, { owner: input.owner, name: row.name, confirmation: row.name }, store);
  return { owner: input.owner, name: row.name, files: row.files };
}
