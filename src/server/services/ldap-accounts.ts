/**
 * Accounts that come from the LDAP directory: the local account a directory sign-in creates and refreshes, the
 * memberships of organization groups that follow the directory's groups through the administrators' mappings, the
 * daily check that deactivates accounts the directory no longer lists, and the break-glass marks on accounts that
 * keep their local password.
 *
 * An account counts as gone from the directory when the user search filter no longer finds it: so "disabled there"
 * is whatever the administrator's filter leaves out (for instance `(!(employeeType=disabled))`, or Active
 * Directory's `(!(userAccountControl:1.2.840.113556.1.4.803:=2))`), as the README explains.
 */
import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { z } from "zod";
import { emailSchema, usernameSchema } from "@/shared/schemas/account";
import { directoryGroupMappingRefSchema, directoryGroupMappingSchema, keepsLocalPasswordSchema } from "@/shared/schemas/ldap";
import { accessLevelDescriptions, anonymousActor, assertCan, userActor, type Actor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { directoryGroupMappings, groupMembers, groups, users } from "../db/schema";
import { AppError } from "../errors";
import { isPersonalAccount, toActorUser, type UserRow } from "./account-records";
import { recordAudit } from "./audit";
import { checkPersonPassword, DirectoryUnavailableError, findPerson, type DirectoryConfig, type DirectoryPerson } from "./ldap-directory";
import { notify } from "./notifications";
import { admitMember, requireOrganization } from "./organizations";
import { bumpChannelRevision, forgetCachedChannel } from "./owners";
import { endAllSessions } from "./sessions";
import { forgetCachedCredentials } from "./token-cache";

const unavailableMessage = "The sign-in directory cannot be reached right now. Try again in a few minutes, or ask a site administrator.";

// ---------------------------------------------------------------------------------------------- sign-in

export type DirectoryCredentialCheck = { outcome: "accepted"; user: UserRow } | { outcome: "wrong_password" | "unknown_account" };

/**
 * Checks a login and password against the directory and, when it accepts them, creates or refreshes the local
 * account and its mapped group memberships. The throttle around it is sign-in.ts's; the directory's own words stay
 * in the audit trail, never in the answer.
 */
export async function checkDirectoryCredentials(db: Db, actor: Actor, config: DirectoryConfig, login: string, password: string, method: string): Promise<DirectoryCredentialCheck> {
  let check;
  try {
    check = await checkPersonPassword(config, login, password);
  } catch (error) {
    if (!(error instanceof DirectoryUnavailableError)) throw error;
    await recordAudit(db, actor, { action: "auth.directory_unavailable", target: { type: "site" }, details: { method, error: error.message } });
    throw new AppError("SERVICE_UNAVAILABLE", unavailableMessage);
  }
  if (check.outcome !== "accepted") return check;
  const user = await adoptDirectoryPerson(db, actor, check.person);
  await syncDirectoryGroups(db, config, user, check.person);
  return { outcome: "accepted", user };
}

async function refuse(db: Db, actor: Actor, person: DirectoryPerson, reason: string, message: string): Promise<never> {
  await recordAudit(db, actor, { action: "ldap.account_refused", target: { type: "user", id: null, label: person.username }, details: { dn: person.dn, reason } });
  throw new AppError("FORBIDDEN", message);
}

/** The local account for a directory person: found by DN, else by username (a local account becomes theirs), else created. */
async function adoptDirectoryPerson(db: Db, actor: Actor, person: DirectoryPerson): Promise<UserRow> {
  const username = usernameSchema.safeParse(person.username ?? "");
  if (!username.success) {
    return refuse(db, actor, person, "unusable_username", "Your directory username cannot be used as a Granary name. Ask a site administrator.");
  }
  const email = emailSchema.safeParse(person.email ?? "");
  if (!email.success) return refuse(db, actor, person, "unusable_email", "Your directory entry has no usable e-mail address. Ask a site administrator.");
  const name = person.name?.slice(0, 200) ?? null;

  const [byDn] = await db
    .select()
    .from(users)
    .where(and(isPersonalAccount, sql`lower(${users.directoryDn}) = ${person.dn.toLowerCase()}`))
    .limit(1);
  const [byName] = byDn
    ? [byDn]
    : await db
        .select()
        .from(users)
        .where(sql`lower(${users.username}) = ${username.data.toLowerCase()}`)
        .limit(1);
  // A break-glass account is never taken over by a directory entry of the same name, nor is an organization.
  if (byName && (byName.kind !== "user" || (byName.keepsLocalPassword && !byDn))) {
    return refuse(db, actor, person, "name_taken", "Your directory username is taken by another Granary account. Ask a site administrator.");
  }
  try {
    if (!byName) {
      return await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(users)
          .values({ username: username.data, email: email.data, name, passwordHash: null, directoryDn: person.dn, emailConfirmedAt: new Date() })
          .returning();
        await recordAudit(tx, userActor(toActorUser(created!), actor.origin), {
          action: "ldap.account_created",
          target: { type: "user", id: created!.id, label: created!.username },
          subjectUserId: created!.id,
          details: { dn: person.dn, email: email.data, name },
        });
        return created!;
      });
    }
    const changes = {
      ...(byName.email !== email.data ? { email: email.data, emailConfirmedAt: new Date() } : {}),
      ...(byName.name !== name ? { name } : {}),
      ...(byName.directoryDn !== person.dn ? { directoryDn: person.dn } : {}),
    };
    if (Object.keys(changes).length === 0) return byName;
    return await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(users)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(users.id, byName.id))
        .returning();
      await recordAudit(tx, userActor(toActorUser(updated!), actor.origin), {
        action: byName.directoryDn ? "ldap.account_refreshed" : "ldap.account_linked",
        target: { type: "user", id: byName.id, label: byName.username },
        subjectUserId: byName.id,
        details: { before: { email: byName.email, name: byName.name, dn: byName.directoryDn }, after: { email: email.data, name, dn: person.dn } },
      });
      return updated!;
    });
  } catch (error) {
    const constraint = uniqueViolationConstraint(error);
    if (constraint === "users_email_lower_unique") {
      return refuse(db, actor, person, "email_taken", "Your directory e-mail address belongs to another Granary account. Ask a site administrator.");
    }
    if (constraint === "users_username_lower_unique") {
      return refuse(db, actor, person, "name_taken", "Your directory username is taken by another Granary account. Ask a site administrator.");
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- group mapping

/**
 * Makes the account a member of exactly the mapped organization groups whose directory groups list it: added when
 * they appear, removed when they go. Groups no mapping names are left alone; without a group search nothing moves.
 */
export async function syncDirectoryGroups(db: Db, config: DirectoryConfig, user: UserRow, person: DirectoryPerson): Promise<void> {
  if (!config.groupSearchBase) return;
  const mappings = await db
    .select({
      directoryGroupDn: directoryGroupMappings.directoryGroupDn,
      groupId: groups.id,
      groupName: groups.name,
      level: groups.level,
      organizationId: users.id,
      organization: users.username,
    })
    .from(directoryGroupMappings)
    .innerJoin(groups, eq(groups.id, directoryGroupMappings.groupId))
    .innerJoin(users, eq(users.id, groups.organizationId));
  if (mappings.length === 0) return;
  const listedIn = new Set(person.groups.map((dn) => dn.toLowerCase()));
  const wanted = new Set(mappings.filter((mapping) => listedIn.has(mapping.directoryGroupDn.toLowerCase())).map((mapping) => mapping.groupId));
  const mappedGroups = new Map(mappings.map((mapping) => [mapping.groupId, mapping]));
  const current = await db
    .select({ groupId: groupMembers.groupId })
    .from(groupMembers)
    .where(and(eq(groupMembers.userId, user.id), inArray(groupMembers.groupId, [...mappedGroups.keys()])));
  const have = new Set(current.map((row) => row.groupId));
  const toAdd = [...wanted].filter((id) => !have.has(id)).map((id) => mappedGroups.get(id)!);
  const toRemove = [...have].filter((id) => !wanted.has(id)).map((id) => mappedGroups.get(id)!);
  if (toAdd.length === 0 && toRemove.length === 0) return;

  const actor = anonymousActor({ ipAddress: "local", userAgent: "granary directory sync" });
  const member = { id: user.id, username: user.username, email: user.email };
  await db.transaction(async (tx) => {
    for (const group of toAdd) {
      const organization = { id: group.organizationId, username: group.organization };
      await admitMember(tx, actor, organization, member, "member");
      await tx.insert(groupMembers).values({ groupId: group.groupId, userId: user.id }).onConflictDoNothing();
      await bumpChannelRevision(tx, organization.id);
      await recordAudit(tx, actor, {
        action: "group.member_added",
        target: { type: "user", id: user.id, label: user.username },
        subjectUserId: user.id,
        details: { organization: group.organization, group: group.groupName, level: group.level, source: "directory" },
      });
      await notify(tx, {
        userId: user.id,
        kind: "group.member_added",
        message: `You were added to the group ${group.groupName} of ${group.organization} (${accessLevelDescriptions[group.level].label}) because the directory lists you in its group.`,
        link: "/dashboard/groups",
        details: { organization: group.organization, group: group.groupName },
      });
    }
    for (const group of toRemove) {
      await tx.delete(groupMembers).where(and(eq(groupMembers.groupId, group.groupId), eq(groupMembers.userId, user.id)));
      await bumpChannelRevision(tx, group.organizationId);
      await recordAudit(tx, actor, {
        action: "group.member_removed",
        target: { type: "user", id: user.id, label: user.username },
        subjectUserId: user.id,
        details: { organization: group.organization, group: group.groupName, source: "directory" },
      });
      await notify(tx, {
        userId: user.id,
        kind: "group.member_removed",
        message: `You left the group ${group.groupName} of ${group.organization}: the directory no longer lists you in its group.`,
        link: "/dashboard/groups",
        details: { organization: group.organization, group: group.groupName },
      });
    }
  });
  for (const organizationId of new Set([...toAdd, ...toRemove].map((group) => group.organizationId))) forgetCachedChannel(organizationId);
}

export async function listDirectoryGroupMappings(db: Db, actor: Actor) {
  assertCan(actor, "admin:settings:update");
  return db
    .select({ id: directoryGroupMappings.id, directoryGroupDn: directoryGroupMappings.directoryGroupDn, organization: users.username, group: groups.name, level: groups.level })
    .from(directoryGroupMappings)
    .innerJoin(groups, eq(groups.id, directoryGroupMappings.groupId))
    .innerJoin(users, eq(users.id, groups.organizationId))
    .orderBy(asc(sql`lower(${directoryGroupMappings.directoryGroupDn})`), asc(sql`lower(${users.username})`), asc(sql`lower(${groups.name})`));
}

export async function createDirectoryGroupMapping(db: Db, actor: Actor, rawInput: z.input<typeof directoryGroupMappingSchema>) {
  assertCan(actor, "admin:settings:update");
  const input = directoryGroupMappingSchema.parse(rawInput);
  const organization = await requireOrganization(db, actor, input.organization).catch(() => {
    throw AppError.field("organization", `There is no organization named ${input.organization}.`, "NOT_FOUND");
  });
  const [group] = await db
    .select()
    .from(groups)
    .where(and(eq(groups.organizationId, organization.id), sql`lower(${groups.name}) = ${input.group.toLowerCase()}`));
  if (!group) throw AppError.field("group", `${organization.username} has no group named ${input.group}.`, "NOT_FOUND");
  try {
    return await db.transaction(async (tx) => {
      const [mapping] = await tx
        .insert(directoryGroupMappings)
        .values({ directoryGroupDn: input.directoryGroupDn, groupId: group.id, createdById: actor.kind === "user" ? actor.user.id : null })
        .returning();
      await recordAudit(tx, actor, {
        action: "admin.directory_group_mapped",
        target: { type: "group", id: group.id, label: `${organization.username}/${group.name}` },
        details: { directoryGroupDn: input.directoryGroupDn },
      });
      return { id: mapping!.id, directoryGroupDn: mapping!.directoryGroupDn, organization: organization.username, group: group.name, level: group.level };
    });
  } catch (error) {
    if (uniqueViolationConstraint(error) === "directory_group_mappings_unique") {
      throw AppError.field("directoryGroupDn", `This directory group is already mapped to ${organization.username}/${group.name}.`, "CONFLICT");
    }
    throw error;
  }
}

export async function deleteDirectoryGroupMapping(db: Db, actor: Actor, rawInput: z.input<typeof directoryGroupMappingRefSchema>) {
  assertCan(actor, "admin:settings:update");
  const input = directoryGroupMappingRefSchema.parse(rawInput);
  return db.transaction(async (tx) => {
    const [removed] = await tx.delete(directoryGroupMappings).where(eq(directoryGroupMappings.id, input.id)).returning();
    if (!removed) throw new AppError("NOT_FOUND", "This mapping does not exist.");
    const [group] = await tx
      .select({ name: groups.name, organization: users.username })
      .from(groups)
      .innerJoin(users, eq(users.id, groups.organizationId))
      .where(eq(groups.id, removed.groupId));
    await recordAudit(tx, actor, {
      action: "admin.directory_group_unmapped",
      target: { type: "group", id: removed.groupId, label: group ? `${group.organization}/${group.name}` : null },
      details: { directoryGroupDn: removed.directoryGroupDn },
    });
    return { id: removed.id, directoryGroupDn: removed.directoryGroupDn };
  });
}

// ---------------------------------------------------------------------------------------------- break-glass accounts

/** The accounts that keep their local password while accounts come from the directory. */
export async function listLocalPasswordAccounts(db: Db, actor: Actor) {
  assertCan(actor, "admin:settings:update");
  return db
    .select({ id: users.id, username: users.username, isSiteAdmin: users.isSiteAdmin, isActive: users.isActive })
    .from(users)
    .where(and(isPersonalAccount, eq(users.keepsLocalPassword, true)))
    .orderBy(sql`lower(${users.username})`);
}

export async function setKeepsLocalPassword(db: Db, actor: Actor, rawInput: z.input<typeof keepsLocalPasswordSchema>) {
  assertCan(actor, "admin:settings:update");
  const input = keepsLocalPasswordSchema.parse(rawInput);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .update(users)
      .set({ keepsLocalPassword: input.keepsLocalPassword, updatedAt: new Date() })
      .where(and(isPersonalAccount, sql`lower(${users.username}) = ${input.username.toLowerCase()}`))
      .returning({ id: users.id, username: users.username, passwordHash: users.passwordHash });
    if (!user) throw AppError.field("username", `There is no user named ${input.username}.`, "NOT_FOUND");
    if (input.keepsLocalPassword && user.passwordHash === null) {
      throw AppError.field("username", `${user.username} has no local password to keep: it came from the directory.`, "PRECONDITION_FAILED");
    }
    await recordAudit(tx, actor, {
      action: input.keepsLocalPassword ? "admin.local_password_kept" : "admin.local_password_dropped",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
    });
    return { username: user.username, keepsLocalPassword: input.keepsLocalPassword };
  });
}

// ---------------------------------------------------------------------------------------------- daily check

export interface DirectoryCheckResult {
  checked: number;
  deactivated: number;
  refreshed: number;
}

/**
 * Looks every active directory account up again: one the user search filter no longer finds is deactivated (its
 * sessions end and its tokens stop working at once); the others get their attributes and groups refreshed. A
 * directory that cannot be asked throws, so an outage never deactivates anyone.
 */
export async function checkDirectoryAccounts(db: Db, config: DirectoryConfig, log: { info(message: string): void } = { info() {} }): Promise<DirectoryCheckResult> {
  const actor = anonymousActor({ ipAddress: "local", userAgent: "granary directory check" });
  const accounts = await db
    .select()
    .from(users)
    .where(and(isPersonalAccount, isNotNull(users.directoryDn), eq(users.isActive, true), eq(users.keepsLocalPassword, false)))
    .orderBy(asc(users.id));
  const result: DirectoryCheckResult = { checked: 0, deactivated: 0, refreshed: 0 };
  for (const account of accounts) {
    result.checked++;
    const person = await findPerson(config, account.username);
    if (!person || person.dn.toLowerCase() !== account.directoryDn!.toLowerCase()) {
      await deactivateDirectoryAccount(db, actor, account, person ? "another_entry" : "not_in_directory");
      result.deactivated++;
      continue;
    }
    const refreshed = await adoptDirectoryPerson(db, actor, person).catch((error: unknown) => {
      if (error instanceof AppError) return account;
      throw error;
    });
    if (refreshed.updatedAt.getTime() !== account.updatedAt.getTime()) result.refreshed++;
    await syncDirectoryGroups(db, config, refreshed, person);
  }
  log.info(`Checked ${result.checked} directory account(s): ${result.deactivated} deactivated, ${result.refreshed} refreshed.`);
  return result;
}

async function deactivateDirectoryAccount(db: Db, actor: Actor, account: UserRow, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ isActive: false, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(users.id, account.id));
    const sessionsEnded = await endAllSessions(tx, account.id, "deactivated");
    await recordAudit(tx, actor, {
      action: "ldap.account_deactivated",
      target: { type: "user", id: account.id, label: account.username },
      subjectUserId: account.id,
      details: { dn: account.directoryDn, reason, sessionsEnded },
    });
  });
  forgetCachedCredentials(account.id);
  forgetCachedChannel(account.id);
}
