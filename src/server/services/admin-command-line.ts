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
import { setUserAdmin } from "./admin-users";
import { deletePackage } from "./package-changes";

async function loadPersonalAccount(db: Db, username: string) {
  const [user] = await db
    .select({ id: users.id, username: users.username, email: users.email, isSiteAdmin: users.isSiteAdmin, isActive: users.isActive })
    .from(users)
    .where(and(isPersonalAccount, sql`lower(${users.username}) = ${username.trim().toLowerCase()}`));
  if (!user) throw new AppError("NOT_FOUND", `There is no account named ${username}.`);
  return user;
}

/**
 * `superuser --add/--remove`. Taking the rights away ends the account's sessions, so an open browser loses the
 * admin panel at once; the last active administrator keeps them (the site would have nobody to run it).
 */
export async function setSiteAdministrator(db: Db, actor: Actor, input: { username: string; isSiteAdmin: boolean }) {
  const user = await loadPersonalAccount(db, input.username);
  // The same change as Admin → Users' row action: one set of rules (never the last active administrator, sessions
  // ended with the rights), told apart in the audit trail only by its actor.
  const result = await setUserAdmin(db, actor, { userId: user.id, admin: input.isSiteAdmin });
  return { username: result.username, changed: user.isSiteAdmin !== input.isSiteAdmin, isSiteAdmin: result.isSiteAdmin, isActive: user.isActive };
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
