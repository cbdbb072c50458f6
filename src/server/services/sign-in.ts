/**
 * Checking credentials. Failed sign-ins are counted per account and per client address over a sliding window; past
 * either limit, sign-in is refused until the window moves on. Browser sessions are sessions.ts's.
 */
import { and, count, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { signInSchema } from "@/shared/schemas/account";
import { assertCan, type Actor, type ActorUser } from "../authz";
import type { Db } from "../db";
import { signInFailures, users } from "../db/schema";
import { AppError } from "../errors";
import { findByLogin, toActorUser, type SessionGrant, type UserRow } from "./account-records";
import { recordAudit } from "./audit";
import { verifyDecoyPassword, verifyPassword } from "./passwords";

/**
 * Failures count against the account whichever name it was addressed by (username or e-mail, any case), and
 * against the login as typed when no account matches, so probing unknown names is throttled the same way.
 */
export function throttleKey(user: UserRow | undefined, login: string): string {
  return user ? `account:${user.id}` : `login:${login.trim().toLowerCase()}`;
}

function throttleWindowStart(): Date {
  return new Date(Date.now() - env.SIGN_IN_WINDOW_MINUTES * 60 * 1000);
}

async function failuresSince(db: Db, column: typeof signInFailures.loginKey | typeof signInFailures.ipAddress, value: string) {
  const [row] = await db
    .select({ failures: count(), oldest: sql<Date | null>`min(${signInFailures.createdAt})` })
    .from(signInFailures)
    .where(and(eq(column, value), gt(signInFailures.createdAt, throttleWindowStart())));
  return { failures: row?.failures ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
}

function minutesUntilRetry(oldestFailure: Date | null): number {
  if (!oldestFailure) return env.SIGN_IN_WINDOW_MINUTES;
  const retryAt = oldestFailure.getTime() + env.SIGN_IN_WINDOW_MINUTES * 60 * 1000;
  return Math.max(1, Math.ceil((retryAt - Date.now()) / 60_000));
}

/**
 * Checks a username-or-e-mail and password. Failures are counted per login and per IP address over a sliding
 * window; past either limit, even the right password is refused until the window moves on.
 */
export async function authenticate(db: Db, actor: Actor, rawInput: z.input<typeof signInSchema>): Promise<SessionGrant> {
  assertCan(actor, "session:create");
  const input = signInSchema.parse(rawInput);
  const ipAddress = actor.origin.ipAddress;
  const user = await findByLogin(db, input.login);
  const loginKey = throttleKey(user, input.login);

  const [byLogin, byIp] = await Promise.all([
    failuresSince(db, signInFailures.loginKey, loginKey),
    failuresSince(db, signInFailures.ipAddress, ipAddress),
  ]);
  const accountThrottled = byLogin.failures >= env.SIGN_IN_MAX_FAILURES_PER_ACCOUNT;
  const ipThrottled = byIp.failures >= env.SIGN_IN_MAX_FAILURES_PER_IP;

  if (accountThrottled || ipThrottled) {
    await recordAudit(db, actor, {
      action: "auth.sign_in_throttled",
      target: { type: "user", id: user?.id, label: input.login },
      subjectUserId: user?.id,
      details: { reason: accountThrottled ? "account" : "ip", failures: accountThrottled ? byLogin.failures : byIp.failures },
    });
    const minutes = minutesUntilRetry(accountThrottled ? byLogin.oldest : byIp.oldest);
    throw new AppError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-in attempts. Wait ${minutes} minute${minutes === 1 ? "" : "s"} before trying again, or reset your password.`,
    );
  }

  const passwordMatches = user ? await verifyPassword(user.passwordHash, input.password) : (await verifyDecoyPassword(input.password), false);
  if (!user || !passwordMatches) {
    await db.insert(signInFailures).values({ loginKey, ipAddress });
    await recordAudit(db, actor, {
      action: "auth.sign_in_failed",
      target: { type: "user", id: user?.id, label: input.login },
      subjectUserId: user?.id,
      details: { reason: user ? "wrong_password" : "unknown_account" },
    });
    throw new AppError("UNAUTHORIZED", "The username, e-mail or password is not right.");
  }
  if (!user.isActive) {
    throw new AppError("FORBIDDEN", "This account has been deactivated. Contact a site administrator.");
  }

  await db.transaction(async (tx) => {
    await tx.delete(signInFailures).where(eq(signInFailures.loginKey, loginKey));
    await tx.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(tx, { kind: "user", user: toActorUser(user), origin: actor.origin }, {
      action: "auth.sign_in",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
    });
  });
  return { userId: user.id, sessionVersion: user.sessionVersion };
}

/**
 * Whether credentials accepted earlier still stand (package clients' Basic passwords, remembered for a while): the
 * account must exist, be active, and still be on the session version of the grant (password changes, resets and
 * deactivation bump it).
 */
export async function resolveGrant(db: Db, grant: SessionGrant): Promise<ActorUser | null> {
  const [user] = await db.select().from(users).where(eq(users.id, grant.userId));
  if (!user || !user.isActive || user.sessionVersion !== grant.sessionVersion) return null;
  return toActorUser(user);
}
