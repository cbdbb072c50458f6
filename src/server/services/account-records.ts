/**
 * What the account services share: the account row and its lookups, the session grant, and the single-use links
 * e-mailed for password resets and address changes.
 */
import { createHmac, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { env } from "@/env";
import type { ActorUser } from "../authz";
import type { Db } from "../db";
import { accountTokens, users } from "../db/schema";
import { AppError } from "../errors";
import { hashSecret, verifyPassword } from "./passwords";

export type UserRow = typeof users.$inferSelect;

export const linkLifetimeHours = 24;
export const hour = 60 * 60 * 1000;

export function toActorUser(user: UserRow): ActorUser {
  return { id: user.id, username: user.username, email: user.email, name: user.name, isSiteAdmin: user.isSiteAdmin };
}

/**
 * What accepted credentials grant: enough to find the account again and tell whether it changed since (a password
 * change, a reset or a deactivation moves the session version on).
 */
export interface SessionGrant {
  userId: string;
  sessionVersion: number;
}

/**
 * People's accounts only: organizations share the table (and the namespace) but never sign in. The literal keeps
 * lookups on the partial unique index of e-mail addresses.
 */
export const isPersonalAccount = sql`${users.kind} = 'user'`;

/** What a browser's session cookie carries: a grant, and the server-side session record that must still be live. */
export interface BrowserSession extends SessionGrant {
  sessionId: string;
}

export function findByLogin(db: Db, login: string) {
  const key = login.trim().toLowerCase();
  return db
    .select()
    .from(users)
    .where(and(isPersonalAccount, or(sql`lower(${users.username}) = ${key}`, sql`lower(${users.email}) = ${key}`)))
    .limit(1)
    .then((rows) => rows[0]);
}

/** Keys names that match no account; without AUTH_SECRET (only outside the launcher, as in tests) a key of this process's own. */
const processLoginKey = randomBytes(32);

/**
 * A keyed hash of a login as typed that matches no account: enough to count failures of one unknown name or to
 * see it tried again in the audit trail, nothing to read back what was typed (people type passwords there).
 */
export function unknownLoginDigest(login: string): string {
  return createHmac("sha256", env.AUTH_SECRET ?? processLoginKey)
    .update(login.trim().toLowerCase())
    .digest("hex");
}

/** How the audit trail names a login that was tried: the account it matches, or only a short keyed hash. */
export function attemptedAccount(user: UserRow | undefined, login: string) {
  return user
    ? { target: { type: "user", id: user.id, label: user.username }, subjectUserId: user.id, details: {} }
    : { target: { type: "user", id: null, label: null }, subjectUserId: null, details: { unknownLogin: unknownLoginDigest(login).slice(0, 16) } };
}

export function findByEmail(db: Db, email: string) {
  return db
    .select()
    .from(users)
    .where(and(isPersonalAccount, sql`lower(${users.email}) = ${email.trim().toLowerCase()}`));
}

export async function loadUser(db: Db, id: string): Promise<UserRow> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isPersonalAccount));
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  return user;
}

/** Takes a link's secret exactly once: marking it used and checking it are one statement. */
export async function consumeLinkSecret(db: Db, purpose: (typeof accountTokens.$inferSelect)["purpose"], secret: string) {
  const [token] = await db
    .update(accountTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(accountTokens.secretHash, hashSecret(secret)),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, new Date()),
      ),
    )
    .returning();
  return token;
}

/** Ends an account's pending links of one purpose: a newer link replaces them, or their purpose was fulfilled. */
export async function endPendingLinks(db: Db, userId: string, purpose: (typeof accountTokens.$inferSelect)["purpose"]): Promise<void> {
  await db
    .update(accountTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)));
}

/** Settings that could take the account over ask for the current password again. */
export async function assertCurrentPassword(user: UserRow, password: string): Promise<void> {
  if (!(await verifyPassword(user.passwordHash, password))) {
    throw AppError.field("currentPassword", "Your current password is not right.");
  }
}
