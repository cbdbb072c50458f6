/** The site administrator's view of accounts, outgoing mail, errors and the security log. */
import { and, count, desc, eq, ilike, or, sql } from "drizzle-orm";
import { z } from "zod";
import { pageSchema, usernameSchema } from "@/shared/schemas/account";
import { idSchema, listActiveUsersSchema, listOrganizationsSchema, listUsersSchema, setUserActiveSchema } from "@/shared/schemas/admin";
import { anonymousActor, assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { emailMessages, organizationMembers, packages, plans, users } from "../db/schema";
import { AppError } from "../errors";
import { isPersonalAccount } from "./account-records";
import { listAuditEvents, recordAudit } from "./audit";
import { forgetCachedChannel } from "./owners";
import { forgetCachedCredentials } from "./token-cache";
import { generatePassword, hashPassword } from "./passwords";
import { endAllSessions } from "./sessions";

function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
}

function paged<Row>(items: Row[], total: number, input: { page: number; pageSize: number }) {
  return { items, total, page: input.page, pageSize: input.pageSize };
}

export async function listUsers(db: Db, actor: Actor, rawInput: z.input<typeof listUsersSchema>) {
  assertCan(actor, "admin:users:read");
  const input = listUsersSchema.parse(rawInput);
  const pattern = input.query ? containsPattern(input.query) : undefined;
  // Organizations have their own list (listOrganizations): they never sign in, so there is nothing to deactivate.
  const where = and(isPersonalAccount, pattern ? or(ilike(users.username, pattern), ilike(users.email, pattern)) : undefined);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: users.id,
        username: users.username,
        email: users.email,
        isSiteAdmin: users.isSiteAdmin,
        isActive: users.isActive,
        createdAt: users.createdAt,
        lastSignInAt: users.lastSignInAt,
      })
      .from(users)
      .where(where)
      .orderBy(sql`lower(${users.username})`)
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ value: count() }).from(users).where(where),
  ]);
  return paged(rows, total?.value ?? 0, input);
}

/**
 * Admin → Organizations: every organization with its members, packages and plan, in name order. Pages follow one
 * another by the last name shown (keyset), so a page costs the same at the thousandth as at the first.
 */
export async function listOrganizations(db: Db, actor: Actor, rawInput: z.input<typeof listOrganizationsSchema>) {
  assertCan(actor, "admin:organizations:read");
  const input = listOrganizationsSchema.parse(rawInput);
  const pattern = input.query ? containsPattern(input.query) : undefined;
  const rows = await db
    .select({
      username: users.username,
      name: users.name,
      email: users.email,
      createdAt: users.createdAt,
      members: sql<number>`(select count(*)::int from ${organizationMembers} where ${organizationMembers.organizationId} = ${users.id})`,
      owners: sql<string[]>`array(select u.username from ${organizationMembers} join ${users} as u on u.id = ${organizationMembers.userId}
        where ${organizationMembers.organizationId} = ${users.id} and ${organizationMembers.role} = 'owner' order by lower(u.username))`,
      packages: sql<number>`(select count(*)::int from ${packages} where ${packages.ownerId} = ${users.id})`,
      // An organization without a plan of its own has the organizations' default.
      plan: sql<string>`coalesce(${plans.name}, (select p.name from ${plans} as p where p.audience = 'organization' and p.is_default))`,
      planSlug: sql<string>`coalesce(${plans.slug}, (select p.slug from ${plans} as p where p.audience = 'organization' and p.is_default))`,
    })
    .from(users)
    .leftJoin(plans, eq(plans.id, users.planId))
    .where(
      and(
        eq(users.kind, "organization"),
        pattern ? or(ilike(users.username, pattern), ilike(users.name, pattern)) : undefined,
        input.after ? sql`lower(${users.username}) > ${input.after.toLowerCase()}` : undefined,
      ),
    )
    .orderBy(sql`lower(${users.username})`)
    .limit(input.pageSize + 1);
  const items = rows.slice(0, input.pageSize);
  return { items, nextAfter: rows.length > input.pageSize ? (items.at(-1)?.username ?? null) : null, pageSize: input.pageSize };
}

/** Deactivating ends the account's sessions at once: they are ended, and its session version moves on. */
export async function setUserActive(db: Db, actor: Actor, rawInput: z.input<typeof setUserActiveSchema>) {
  assertCan(actor, "admin:users:update");
  const input = setUserActiveSchema.parse(rawInput);
  if (requireUser(actor).user.id === input.userId && !input.active) {
    throw new AppError("PRECONDITION_FAILED", "You cannot deactivate your own account.");
  }
  const changed = await db.transaction(async (tx) => {
    const [user] = await tx
      .update(users)
      .set({
        isActive: input.active,
        sessionVersion: input.active ? sql`${users.sessionVersion}` : sql`${users.sessionVersion} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(users.id, input.userId))
      .returning({ id: users.id, username: users.username, isActive: users.isActive });
    if (!user) throw new AppError("NOT_FOUND", "This account does not exist.");
    const sessionsEnded = input.active ? 0 : await endAllSessions(tx, user.id, "deactivated");
    await recordAudit(tx, actor, {
      action: input.active ? "admin.user_reactivated" : "admin.user_deactivated",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      ...(input.active ? {} : { details: { sessionsEnded } }),
    });
    return user;
  });
  // A deactivated account's tokens stop working on this server's very next request (others hear it from the database).
  forgetCachedCredentials(changed.id);
  // A deactivated owner's channel is gone at once (and back at once when reactivated).
  forgetCachedChannel(changed.id);
  return changed;
}

export async function listOutbox(db: Db, actor: Actor, rawInput: z.input<typeof pageSchema>) {
  assertCan(actor, "admin:outbox:read");
  const input = pageSchema.parse(rawInput);
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: emailMessages.id,
        transport: emailMessages.transport,
        toAddress: emailMessages.toAddress,
        subject: emailMessages.subject,
        status: emailMessages.status,
        error: emailMessages.error,
        createdAt: emailMessages.createdAt,
      })
      .from(emailMessages)
      .orderBy(desc(emailMessages.createdAt), desc(emailMessages.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ value: count() }).from(emailMessages),
  ]);
  return paged(rows, total?.value ?? 0, input);
}

export async function getOutboxMessage(db: Db, actor: Actor, rawInput: z.input<typeof idSchema>) {
  assertCan(actor, "admin:outbox:read");
  const { id } = idSchema.parse(rawInput);
  const [message] = await db.select().from(emailMessages).where(eq(emailMessages.id, id));
  if (!message) throw new AppError("NOT_FOUND", "This message does not exist.");
  return message;
}

/** How recently a session must have been seen for its account to count as signed in now. */
const activeWithinMinutes = 60;

/**
 * The top bar's Users page (the seed's "users currently active"): accounts with a live session seen within the last
 * hour, in name order, keyset-paged by name.
 */
export async function listActiveUsers(db: Db, actor: Actor, rawInput: z.input<typeof listActiveUsersSchema>) {
  assertCan(actor, "admin:users:read");
  const input = listActiveUsersSchema.parse(rawInput);
  const rows = await db.execute<{ username: string; name: string | null; last_seen_at: Date }>(sql`
    select u.username, u.name, seen.last_seen_at
    from (
      select user_id, max(last_seen_at) as last_seen_at from sessions
      where revoked_at is null and last_seen_at > now() - make_interval(mins => ${activeWithinMinutes}) and expires_at > now()
      group by user_id
    ) as seen
    join ${users} as u on u.id = seen.user_id
    where u.is_active and u.kind = 'user'
      ${input.after ? sql`and lower(u.username) > ${input.after.toLowerCase()}` : sql``}
    order by lower(u.username)
    limit ${input.pageSize + 1}`);
  const items = rows.slice(0, input.pageSize).map((row) => ({ username: row.username, name: row.name, lastSeenAt: new Date(row.last_seen_at) }));
  return { items, nextAfter: rows.length > input.pageSize ? (items.at(-1)?.username ?? null) : null, activeWithinMinutes };
}

export async function listSecurityLog(db: Db, actor: Actor, rawInput: z.input<typeof pageSchema>) {
  assertCan(actor, "admin:audit:read");
  return listAuditEvents(db, pageSchema.parse(rawInput));
}

/**
 * Run by the launcher at every start: when no site administrator exists, create one and hand back the
 * credentials to print once. The password comes from GRANARY_ADMIN_PASSWORD or is generated.
 */
export async function ensureFirstAdmin(
  db: Db,
  settings: { username: string; email: string; password?: string },
): Promise<{ username: string; password: string; generated: boolean } | null> {
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(users.isSiteAdmin, true)).limit(1);
  if (existing) return null;
  const username = usernameSchema.safeParse(settings.username);
  if (!username.success) {
    throw new Error(`GRANARY_ADMIN_USERNAME=${settings.username} cannot be used: ${username.error.issues[0]?.message ?? "invalid"}`);
  }
  const password = settings.password ?? generatePassword();
  const [admin] = await db
    .insert(users)
    .values({ username: settings.username, email: settings.email, passwordHash: await hashPassword(password), isSiteAdmin: true, keepsLocalPassword: true })
    .onConflictDoNothing()
    .returning();
  if (!admin) {
    throw new Error(
      `No site administrator exists, and the account name ${settings.username} or ${settings.email} is taken: ` +
        "set GRANARY_ADMIN_USERNAME and GRANARY_ADMIN_EMAIL to free ones.",
    );
  }
  await recordAudit(db, anonymousActor({ ipAddress: "local", userAgent: "granary launcher" }), {
    action: "admin.first_admin_created",
    target: { type: "user", id: admin.id, label: admin.username },
    subjectUserId: admin.id,
  });
  return { username: admin.username, password, generated: settings.password === undefined };
}
