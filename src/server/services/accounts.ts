/**
 * Accounts: signing up, and the account's own settings (profile, password, deletion). Signing in lives in
 * sign-in.ts, recovery in recovery.ts and the e-mail address in email-addresses.ts; routers and pages only call
 * these functions.
 */
import { and, count, eq, gt, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { siteUrl } from "./general-settings";
import {
  changePasswordSchema,
  deleteAccountSchema,
  signUpSchema,
  updateProfileSchema,
} from "@/shared/schemas/account";
import { assertCan, authenticationMethodOf, requireUser, type Actor, type AuthenticationMethod } from "../authz";
import { throttlingAddress } from "../client-address";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { accountTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { assertCurrentPassword, hour, linkLifetimeHours, loadUser, type BrowserSession } from "./account-records";
import { recordAudit } from "./audit";
import { createLinkSecret, hashPassword } from "./passwords";
import { peekAllowance, takeAllowance, type LimitedBucket } from "./request-limits";
import { endAllSessions, openSession } from "./sessions";
import { getAccountType } from "./ldap-settings";
import { isRegistrationOpen } from "./site-settings";
import { forgetCachedChannel } from "./owners";
import { forgetCachedCredentials } from "./token-cache";
import { organizationsOwnedAlone } from "./organizations";
import { describeToken } from "./tokens";

// ---------------------------------------------------------------------------------------------- sign-up

/** Refused sign-ups leave the transaction that would have created the account, to be audited outside it. */
class SignUpLimitReached extends Error {
  constructor(readonly retryAfterMinutes: number) {
    super("The sign-up limit of this address is reached.");
  }
}

/** Accounts created from one address are limited per hour, so a script cannot fill the site with them. */
function signUpBucket(actor: Actor): LimitedBucket {
  return { name: "address", bucket: `sign_up:address:${throttlingAddress(actor.origin.ipAddress)}`, limit: env.SIGN_UPS_PER_IP_PER_HOUR };
}

async function refuseSignUp(db: Db, actor: Actor, username: string, retryAfterMinutes: number): Promise<never> {
  await recordAudit(db, actor, {
    action: "account.sign_up_throttled",
    target: { type: "user", label: username },
    details: { reason: "address", limitPerHour: env.SIGN_UPS_PER_IP_PER_HOUR },
  });
  throw new AppError(
    "TOO_MANY_REQUESTS",
    `Too many accounts were created from this address. Wait ${retryAfterMinutes} minute${retryAfterMinutes === 1 ? "" : "s"} before trying again.`,
  );
}

/** Creates the account and signs it in: the browser session is opened with it. */
export async function signUp(db: Db, actor: Actor, rawInput: z.input<typeof signUpSchema>): Promise<BrowserSession> {
  assertCan(actor, "account:create");
  const input = signUpSchema.parse(rawInput);
  if ((await getAccountType(db)) === "ldap") {
    throw new AppError("FORBIDDEN", "Accounts on this site come from the organization's directory: sign in with your directory username and password.");
  }
  if (!(await isRegistrationOpen(db))) {
    throw new AppError("FORBIDDEN", "Registration is closed on this site. Ask an administrator for an account.");
  }
  // A look before hashing the password, so refused sign-ups cost no argon2; the transaction decides for good.
  const peeked = await peekAllowance(db, [signUpBucket(actor)]);
  if (!peeked.allowed) return refuseSignUp(db, actor, input.username, peeked.retryAfterMinutes);
  const passwordHash = await hashPassword(input.password);
  const confirmation = createLinkSecret();
  try {
    const { created: user, session } = await db.transaction(async (tx) => {
      // Counted with the account, so a sign-up that fails (a taken name) counts for nothing.
      const allowance = await takeAllowance(tx, [signUpBucket(actor)]);
      if (!allowance.allowed) throw new SignUpLimitReached(allowance.retryAfterMinutes);
      const [created] = await tx.insert(users).values({ username: input.username, email: input.email, passwordHash }).returning();
      if (!created) throw new Error("Inserting the user returned no row.");
      // The address is confirmed by a link sent to it: recovery mail can be trusted to reach its owner, and
      // academic plans follow from confirmed addresses.
      await tx.insert(accountTokens).values({
        userId: created.id,
        purpose: "email_confirmation",
        secretHash: confirmation.secretHash,
        newEmail: created.email,
        expiresAt: new Date(Date.now() + linkLifetimeHours * hour),
      });
      await recordAudit(tx, actor, {
        action: "account.sign_up",
        target: { type: "user", id: created.id, label: created.username },
        subjectUserId: created.id,
      });
      return { created, session: await openSession(tx, actor.origin, { userId: created.id, sessionVersion: created.sessionVersion }) };
    });
    await sendEmail(db, {
      to: user.email,
      template: "confirmEmail",
      props: { username: user.username, confirmUrl: `${await siteUrl(db)}/confirm-email?token=${confirmation.secret}`, expiresInHours: linkLifetimeHours },
    });
    return session;
  } catch (error) {
    if (error instanceof SignUpLimitReached) return refuseSignUp(db, actor, input.username, error.retryAfterMinutes);
    const constraint = uniqueViolationConstraint(error);
    if (constraint === "users_username_lower_unique") throw AppError.field("username", "This username is taken.", "CONFLICT");
    if (constraint === "users_email_lower_unique") {
      throw AppError.field("email", "An account with this e-mail address exists. Sign in, or recover your password.", "CONFLICT");
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- settings

export async function getAccount(db: Db, actor: Actor) {
  assertCan(actor, "account:read");
  const user = await loadUser(db, requireUser(actor).user.id);
  const [pendingEmailChange] = await db
    .select({ newEmail: accountTokens.newEmail, expiresAt: accountTokens.expiresAt })
    .from(accountTokens)
    .where(
      and(
        eq(accountTokens.userId, user.id),
        eq(accountTokens.purpose, "email_change"),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, new Date()),
      ),
    )
    .orderBy(sql`${accountTokens.createdAt} desc`)
    .limit(1);
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    name: user.name,
    isSiteAdmin: user.isSiteAdmin,
    createdAt: user.createdAt,
    lastSignInAt: user.lastSignInAt,
    pendingEmail: pendingEmailChange?.newEmail ?? null,
    emailConfirmedAt: user.emailConfirmedAt,
  };
}

export interface Whoami {
  username: string;
  email: string;
  name: string | null;
  isSiteAdmin: boolean;
  via: AuthenticationMethod;
  token: { name: string; scopes: string[]; channel: string | null; expiresAt: Date } | null;
}

/** Who the caller is and how it signed in: for the CLI's `granary whoami` and scripts checking a token. */
export async function whoami(db: Db, actor: Actor): Promise<Whoami> {
  assertCan(actor, "account:read");
  const signedIn = requireUser(actor);
  const user = await loadUser(db, signedIn.user.id);
  return {
    username: user.username,
    email: user.email,
    name: user.name,
    isSiteAdmin: user.isSiteAdmin,
    via: authenticationMethodOf(signedIn),
    token: signedIn.token ? await describeToken(db, signedIn.token) : null,
  };
}

export async function updateProfile(db: Db, actor: Actor, rawInput: z.input<typeof updateProfileSchema>): Promise<void> {
  assertCan(actor, "account:update");
  const { user } = requireUser(actor);
  const input = updateProfileSchema.parse(rawInput);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ name: input.name || null, updatedAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(tx, actor, {
      action: "account.profile_updated",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
    });
  });
}

/** Ends every session of the account, including the caller's, and opens the caller a fresh one. */
export async function changePassword(db: Db, actor: Actor, rawInput: z.input<typeof changePasswordSchema>): Promise<BrowserSession> {
  assertCan(actor, "account:update");
  const input = changePasswordSchema.parse(rawInput);
  const user = await loadUser(db, requireUser(actor).user.id);
  if (user.passwordHash === null && user.directoryDn !== null) {
    throw new AppError("FORBIDDEN", "Your password is your directory account's: change it with the directory's own tools.");
  }
  await assertCurrentPassword(user, input.currentPassword);
  const passwordHash = await hashPassword(input.newPassword);
  const session = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(users.id, user.id))
      .returning();
    const sessionsEnded = await endAllSessions(tx, user.id, "password_changed");
    await recordAudit(tx, actor, {
      action: "account.password_changed",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { sessionsEnded },
    });
    return openSession(tx, actor.origin, { userId: row!.id, sessionVersion: row!.sessionVersion });
  });
  await sendEmail(db, {
    to: user.email,
    template: "passwordChanged",
    props: { username: user.username, securityUrl: `${await siteUrl(db)}/settings/security` },
  });
  return session;
}

export async function deleteAccount(db: Db, actor: Actor, rawInput: z.input<typeof deleteAccountSchema>): Promise<void> {
  assertCan(actor, "account:delete");
  const input = deleteAccountSchema.parse(rawInput);
  const user = await loadUser(db, requireUser(actor).user.id);
  if (input.confirmation !== user.username) {
    throw AppError.field("confirmation", `Type your username, ${user.username}, exactly to confirm.`);
  }
  await assertCurrentPassword(user, input.currentPassword);
  const blocker = await accountRemovalBlocker(db, user);
  if (blocker?.reason === "last_administrator") {
    throw new AppError("PRECONDITION_FAILED", "You are the only active site administrator: make someone else an administrator first.");
  }
  if (blocker?.reason === "sole_owner") {
    const ownedAlone = blocker.organizations;
    throw new AppError(
      "PRECONDITION_FAILED",
      `You are the only owner of ${ownedAlone.join(", ")}: make someone else an owner there, or delete ${ownedAlone.length === 1 ? "it" : "them"}, first.`,
    );
  }
  await removeAccountRecords(db, actor, user, "account.deleted");
}

/**
 * What stops an account from being deleted, whoever deletes it: being the last active site administrator, or the
 * only owner of organizations (which would be left with nobody to run them).
 */
export async function accountRemovalBlocker(
  db: Db,
  user: { id: string; isSiteAdmin: boolean; isActive?: boolean },
): Promise<{ reason: "last_administrator" } | { reason: "sole_owner"; organizations: string[] } | null> {
  if (user.isSiteAdmin && user.isActive !== false) {
    const [admins] = await db
      .select({ value: count() })
      .from(users)
      .where(and(eq(users.isSiteAdmin, true), eq(users.isActive, true)));
    if ((admins?.value ?? 0) <= 1) return { reason: "last_administrator" };
  }
  const organizations = await organizationsOwnedAlone(db, user.id);
  return organizations.length > 0 ? { reason: "sole_owner", organizations } : null;
}

/**
 * Deletes the account and, through the schema's cascades, what it owns (packages and their files, tokens, sessions,
 * memberships), with its audit event in the same transaction; the files' bytes go with the daily removal of
 * unreferenced files. Callers check accountRemovalBlocker first.
 */
export async function removeAccountRecords(
  db: Db,
  actor: Actor,
  user: { id: string; username: string; email: string },
  action: "account.deleted" | "admin.user_removed",
  details: Record<string, unknown> = {},
): Promise<void> {
  await db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      action,
      target: { type: "user", id: user.id, label: user.username },
      details: { email: user.email, ...details },
    });
    await tx.delete(users).where(eq(users.id, user.id));
  });
  forgetCachedCredentials(user.id);
  forgetCachedChannel(user.id);
}
