/**
 * Admin → Users (seed 003): every person's account with their organizations, packages and when they were last
 * seen, searched and sorted a page at a time, and the actions of a user's row: administrator rights given or taken
 * (never from the last active administrator) and a reset-password link to hand over. Activation is admin.ts's
 * setUserActive.
 *
 * Fast at 100,000 accounts (bench/admin.ts): each order reads a page from an index (lower(username), the partial
 * indexes of creation, of last sight and of the package count the packages' triggers keep, trigram indexes for the
 * search), the counts of a row are worked out for the fifty rows shown only, and the total is counted as far as
 * `adminUserCountLimit`.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { publicUrl } from "@/env";
import { listAdminUsersSchema, passwordResetLinkSchema, setUserAdminSchema, type AdminUserSort } from "@/shared/schemas/admin-people";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { accountTokens, users } from "../db/schema";
import { AppError } from "../errors";
import { endPendingLinks, hour, isPersonalAccount, linkLifetimeHours } from "./account-records";
import { recordAudit } from "./audit";
import { endAllSessions } from "./sessions";
import { getAccountType } from "./ldap-settings";
import { createLinkSecret } from "./passwords";
import { forgetCachedCredentials } from "./token-cache";

function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

/** When an account was last seen: its last sign-in at a browser, or its password last used by a package client. */
export const lastSeenOf = sql`greatest(u.last_sign_in_at, u.password_last_used_at)`;

/** Matches the partial indexes' expressions and directions exactly, so each order is read from its index. */
export const adminUserOrders: Record<AdminUserSort, SQL> = {
  username: sql`lower(u.username)`,
  packages: sql`u.package_count desc nulls last, lower(u.username)`,
  created: sql`u.created_at desc nulls last, u.id desc nulls last`,
  last_seen: sql`${lastSeenOf} desc nulls last, u.id desc nulls last`,
};

export interface AdminUserRow {
  id: string;
  username: string;
  email: string;
  name: string | null;
  isSiteAdmin: boolean;
  isActive: boolean;
  createdAt: Date;
  lastSeenAt: Date | null;
  packages: number;
  organizationCount: number;
  /** The first few organizations by name; organizationCount says how many there are in all. */
  organizations: string[];
}

const organizationsShown = 3;

/**
 * How far the list counts the people it matches. Counting every account read them all on each page (and a search
 * matching every address, such as the site's own domain, read the whole table twice); past this the page says
 * "1,000+", as package search does, and the Stats page gives the exact figures.
 */
export const adminUserCountLimit = 1_000;

export async function listAdminUsers(db: Db, actor: Actor, rawInput: z.input<typeof listAdminUsersSchema>) {
  assertCan(actor, "admin:users:read");
  const input = listAdminUsersSchema.parse(rawInput);
  const pattern = input.query ? containsPattern(input.query) : undefined;
  // Organizations have their own list: they never sign in, so there is nothing here to do to them.
  const where = sql`u.kind = 'user' ${pattern ? sql`and (u.username ilike ${pattern} or u.email ilike ${pattern})` : sql``}`;
  const offset = (input.page - 1) * input.pageSize;
  const [ids, [counted]] = await Promise.all([
    pageInOrder(db, where, adminUserOrders[input.sort], offset, input.pageSize),
    db.execute<{ total: number }>(sql`select count(*)::int as total from (select 1 from users as u where ${where} limit ${adminUserCountLimit + 1}) as matches`),
  ]);
  const total = counted?.total ?? 0;
  return {
    items: await describeUsers(db, ids),
    total: Math.min(total, adminUserCountLimit),
    /** More people match than were counted: the total is a lower bound ("1,000+"). */
    moreMatches: total > adminUserCountLimit,
    page: input.page,
    pageSize: input.pageSize,
    sort: input.sort,
  };
}

async function pageInOrder(db: Db, where: SQL, order: SQL, offset: number, limit: number): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`select u.id from users as u where ${where} order by ${order} limit ${limit} offset ${offset}`);
  return rows.map((row) => row.id);
}

/** The columns of the rows shown, counted for those rows only, in the order of `ids`. */
async function describeUsers(db: Db, ids: string[]): Promise<AdminUserRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.execute<{
    id: string;
    username: string;
    email: string;
    name: string | null;
    is_site_admin: boolean;
    is_active: boolean;
    created_at: string | Date;
    last_seen_at: string | Date | null;
    packages: number;
    organization_count: number;
    organizations: string[];
  }>(sql`select u.id, u.username, u.email, u.name, u.is_site_admin, u.is_active, u.created_at, ${lastSeenOf} as last_seen_at,
      u.package_count as packages,
      (select count(*)::int from organization_members as m where m.user_id = u.id) as organization_count,
      array(select o.username from organization_members as m join users as o on o.id = m.organization_id
        where m.user_id = u.id order by lower(o.username) limit ${organizationsShown}) as organizations
    from users as u where u.id in ${ids}`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        id: row.id,
        username: row.username,
        email: row.email,
        name: row.name,
        isSiteAdmin: row.is_site_admin,
        isActive: row.is_active,
        createdAt: new Date(row.created_at),
        lastSeenAt: row.last_seen_at ? new Date(row.last_seen_at) : null,
        packages: row.packages,
        organizationCount: row.organization_count,
        organizations: row.organizations,
      },
    ];
  });
}

/**
 * Gives or takes site administration. The active administrators are locked first, so two administrators taking
 * each other's rights at once cannot leave the site with none: one of them is refused.
 */
export async function setUserAdmin(db: Db, actor: Actor, rawInput: z.input<typeof setUserAdminSchema>) {
  assertCan(actor, "admin:users:update");
  const input = setUserAdminSchema.parse(rawInput);
  const changed = await db.transaction(async (tx) => {
    const activeAdmins = await tx.execute<{ id: string }>(sql`select id from users where kind = 'user' and is_site_admin and is_active for update`);
    const [person] = await tx
      .select({ id: users.id, username: users.username, isSiteAdmin: users.isSiteAdmin, isActive: users.isActive })
      .from(users)
      .where(and(eq(users.id, input.userId), isPersonalAccount))
      .for("update");
    if (!person) throw new AppError("NOT_FOUND", "This account does not exist.");
    if (person.isSiteAdmin === input.admin) return { ...person, changed: false };
    if (!input.admin && person.isActive && activeAdmins.length <= 1) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `${person.username} is the last active administrator: make someone else an administrator before taking ${person.username}'s rights away.`,
      );
    }
    if (input.admin && !person.isActive) {
      throw new AppError("PRECONDITION_FAILED", `${person.username} is deactivated: reactivate the account before making it an administrator.`);
    }
    const [user] = await tx
      .update(users)
      // Rights taken away end the account's sessions too: whatever was opened as an administrator closes with them.
      .set({ isSiteAdmin: input.admin, sessionVersion: input.admin ? users.sessionVersion : sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(users.id, person.id))
      .returning({ id: users.id, username: users.username, isSiteAdmin: users.isSiteAdmin, isActive: users.isActive });
    const sessionsEnded = input.admin ? 0 : await endAllSessions(tx, person.id, "revoked");
    await recordAudit(tx, actor, {
      action: input.admin ? "admin.user_admin_granted" : "admin.user_admin_revoked",
      target: { type: "user", id: person.id, label: person.username },
      subjectUserId: person.id,
      ...(input.admin ? {} : { details: { sessionsEnded } }),
    });
    return { ...user!, changed: true };
  });
  // Tokens carry whether their owner administers the site: this server re-reads them on the next request.
  if (changed.changed) forgetCachedCredentials(changed.id);
  return { id: changed.id, username: changed.username, isSiteAdmin: changed.isSiteAdmin };
}

/**
 * Staff → Password Reset and a user's row: a single-use link to the ordinary reset page, valid 24 hours, for the
 * administrator to hand over (seed 000's Generate URL). It is the same kind of link the forgotten-password mail
 * carries, and a newer link replaces the account's pending ones, as a completed reset ends them. Only a hash of
 * the secret is kept; the address is shown once, to the administrator who asked.
 */
export async function createPasswordResetLink(db: Db, actor: Actor, rawInput: z.input<typeof passwordResetLinkSchema>) {
  assertCan(actor, "admin:users:update");
  const input = passwordResetLinkSchema.parse(rawInput);
  const [person] = await db
    .select()
    .from(users)
    .where(and(isPersonalAccount, sql`lower(${users.username}) = ${input.username.toLowerCase()}`));
  if (!person) throw AppError.field("username", `No account is named ${input.username}.`, "NOT_FOUND");
  if (!person.isActive) throw AppError.field("username", `${person.username} is deactivated: reactivate the account first, or the link would not work.`);
  if (!person.keepsLocalPassword && (await getAccountType(db)) === "ldap") {
    throw AppError.field("username", `${person.username} signs in with the LDAP directory: their password is reset there.`);
  }
  const { secret, secretHash } = createLinkSecret();
  const expiresAt = new Date(Date.now() + linkLifetimeHours * hour);
  await db.transaction(async (tx) => {
    await endPendingLinks(tx, person.id, "password_reset");
    await tx.insert(accountTokens).values({ userId: person.id, purpose: "password_reset", secretHash, expiresAt });
    await recordAudit(tx, actor, {
      action: "admin.password_reset_link_created",
      target: { type: "user", id: person.id, label: person.username },
      subjectUserId: person.id,
      details: { expiresAt: expiresAt.toISOString() },
    });
  });
  return { username: person.username, url: `${publicUrl()}/reset-password?token=${secret}`, expiresAt, validForHours: linkLifetimeHours };
}
