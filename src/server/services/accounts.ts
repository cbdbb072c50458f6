/**
 * Accounts: sign-up, sign-in with throttling, recovery, and the account's own settings. Every rule about who
 * may do what with an account lives here; routers and pages only call these functions.
 */
import { and, count, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { publicUrl, env } from "@/env";
import {
  changeEmailSchema,
  changePasswordSchema,
  confirmEmailSchema,
  deleteAccountSchema,
  forgotPasswordSchema,
  forgotUsernameSchema,
  resetPasswordSchema,
  signInSchema,
  signUpSchema,
  updateProfileSchema,
} from "@/shared/schemas/account";
import { assertCan, authenticationMethodOf, requireUser, type Actor, type ActorUser, type AuthenticationMethod } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { inSavepoint, rehearse } from "../db/rehearse";
import { accountTokens, signInFailures, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { createLinkSecret, hashPassword, hashSecret, verifyDecoyPassword, verifyPassword } from "./passwords";
import { isRegistrationOpen } from "./site-settings";
import { forgetCachedCredentials } from "./token-cache";
import { describeToken } from "./tokens";

type UserRow = typeof users.$inferSelect;

const linkLifetimeHours = 24;
/** Where rehearsed recovery mail is addressed; it is never sent. */
const rehearsalAddress = "nobody@rehearsal.invalid";
const hour = 60 * 60 * 1000;

export function toActorUser(user: UserRow): ActorUser {
  return { id: user.id, username: user.username, email: user.email, name: user.name, isSiteAdmin: user.isSiteAdmin };
}

/** What the session carries: enough to find the account and tell whether the session is still valid. */
export interface SessionGrant {
  userId: string;
  sessionVersion: number;
}

function findByLogin(db: Db, login: string) {
  const key = login.trim().toLowerCase();
  return db
    .select()
    .from(users)
    .where(or(sql`lower(${users.username}) = ${key}`, sql`lower(${users.email}) = ${key}`))
    .limit(1)
    .then((rows) => rows[0]);
}

function findByEmail(db: Db, email: string) {
  return db.select().from(users).where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
}

async function loadUser(db: Db, id: string): Promise<UserRow> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  if (!user) throw new AppError("NOT_FOUND", "This account no longer exists.");
  return user;
}

// ---------------------------------------------------------------------------------------------- sign-up

export async function signUp(db: Db, actor: Actor, rawInput: z.input<typeof signUpSchema>): Promise<SessionGrant> {
  assertCan(actor, "account:create");
  const input = signUpSchema.parse(rawInput);
  if (!(await isRegistrationOpen(db))) {
    throw new AppError("FORBIDDEN", "Registration is closed on this site. Ask an administrator for an account.");
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx.insert(users).values({ username: input.username, email: input.email, passwordHash }).returning();
      if (!user) throw new Error("Inserting the user returned no row.");
      await recordAudit(tx, actor, {
        action: "account.sign_up",
        target: { type: "user", id: user.id, label: user.username },
        subjectUserId: user.id,
      });
      return { userId: user.id, sessionVersion: user.sessionVersion };
    });
  } catch (error) {
    const constraint = uniqueViolationConstraint(error);
    if (constraint === "users_username_lower_unique") throw AppError.field("username", "This username is taken.", "CONFLICT");
    if (constraint === "users_email_lower_unique") {
      throw AppError.field("email", "An account with this e-mail address exists. Sign in, or recover your password.", "CONFLICT");
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------- sign-in

/**
 * Failures count against the account whichever name it was addressed by (username or e-mail, any case), and
 * against the login as typed when no account matches, so probing unknown names is throttled the same way.
 */
function throttleKey(user: UserRow | undefined, login: string): string {
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

export async function recordSignOut(db: Db, actor: Actor): Promise<void> {
  if (actor.kind !== "user") return;
  await recordAudit(db, actor, {
    action: "auth.sign_out",
    target: { type: "user", id: actor.user.id, label: actor.user.username },
    subjectUserId: actor.user.id,
  });
}

/**
 * The session check made on every request: the account must exist, be active, and still be on the session
 * version the session was issued under (password changes, resets and deactivation bump it).
 */
export async function resolveSession(db: Db, grant: SessionGrant): Promise<ActorUser | null> {
  const [user] = await db.select().from(users).where(eq(users.id, grant.userId));
  if (!user || !user.isActive || user.sessionVersion !== grant.sessionVersion) return null;
  return toActorUser(user);
}

// ---------------------------------------------------------------------------------------------- recovery

/** Answers the same whether or not an account uses the address, so it reveals nothing. */
export async function remindUsername(db: Db, actor: Actor, rawInput: z.input<typeof forgotUsernameSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotUsernameSchema.parse(rawInput);
  const matches = await findByEmail(db, input.email);
  const [account] = matches;
  // One transaction (one commit) either way: the reminder is queued with the audit event, not after it.
  await db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      action: "account.username_reminder_sent",
      target: { type: "email", label: input.email },
      subjectUserId: account?.id,
      details: { accountFound: Boolean(account) },
    });
    // Without an account the mail is queued and taken back (rehearsed), so the answer takes as long either way.
    const queueReminder = (savepoint: Db, to: string, usernames: string[]) =>
      sendEmail(savepoint, { to, template: "usernameReminder", props: { usernames, signInUrl: `${publicUrl()}/sign-in` } });
    if (!account) return rehearse(tx, (savepoint) => queueReminder(savepoint, rehearsalAddress, ["nobody"]));
    await inSavepoint(tx, (savepoint) => queueReminder(savepoint, account.email, matches.map((user) => user.username)));
  });
}

/** Answers the same whether or not the account exists. */
export async function requestPasswordReset(db: Db, actor: Actor, rawInput: z.input<typeof forgotPasswordSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotPasswordSchema.parse(rawInput);
  const user = await findByLogin(db, input.login);
  // One transaction (one commit) either way: the link and its mail are written with the audit event.
  await db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      action: "account.password_reset_requested",
      target: { type: "user", id: user?.id, label: input.login },
      subjectUserId: user?.id,
      details: { accountFound: Boolean(user) },
    });
    // Without an active account the link and its mail are written and taken back (rehearsed, for some account: the
    // link's row needs one), so the answer takes as long either way.
    const writeLink = async (savepoint: Db, userId: string | SQL, to: string, username: string) => {
      const { secret, secretHash } = createLinkSecret();
      await savepoint.insert(accountTokens).values({
        userId,
        purpose: "password_reset",
        secretHash,
        expiresAt: new Date(Date.now() + linkLifetimeHours * hour),
      });
      await sendEmail(savepoint, {
        to,
        template: "passwordReset",
        props: { username, resetUrl: `${publicUrl()}/reset-password?token=${secret}`, expiresInHours: linkLifetimeHours },
      });
    };
    if (!user || !user.isActive) {
      return rehearse(tx, (savepoint) => writeLink(savepoint, sql`(select ${users.id} from ${users} limit 1)`, rehearsalAddress, "nobody"));
    }
    await inSavepoint(tx, (savepoint) => writeLink(savepoint, user.id, user.email, user.username));
  });
}

const invalidResetLink = "This reset link is not valid: it may have expired or been used already. Ask for a new one.";

/** Takes a link's secret exactly once: marking it used and checking it are one statement. */
async function consumeLinkSecret(db: Db, purpose: "password_reset" | "email_change", secret: string) {
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

export async function resetPassword(db: Db, actor: Actor, rawInput: z.input<typeof resetPasswordSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = resetPasswordSchema.parse(rawInput);
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    const token = await consumeLinkSecret(tx, "password_reset", input.token);
    if (!token) throw AppError.field("token", invalidResetLink);
    const [user] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(and(eq(users.id, token.userId), eq(users.isActive, true)))
      .returning();
    if (!user) throw AppError.field("token", invalidResetLink);
    // Other reset links e-mailed earlier die with this one, and the throttle starts afresh.
    await tx
      .update(accountTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, "password_reset"), isNull(accountTokens.usedAt)));
    await tx.delete(signInFailures).where(eq(signInFailures.loginKey, throttleKey(user, user.username)));
    await recordAudit(tx, actor, {
      action: "account.password_reset_completed",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
    });
  });
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

async function assertCurrentPassword(user: UserRow, password: string): Promise<void> {
  if (!(await verifyPassword(user.passwordHash, password))) {
    throw AppError.field("currentPassword", "Your current password is not right.");
  }
}

/** Ends every session of the account, including the caller's: the router issues the caller a fresh one. */
export async function changePassword(db: Db, actor: Actor, rawInput: z.input<typeof changePasswordSchema>): Promise<SessionGrant> {
  assertCan(actor, "account:update");
  const input = changePasswordSchema.parse(rawInput);
  const user = await loadUser(db, requireUser(actor).user.id);
  await assertCurrentPassword(user, input.currentPassword);
  const passwordHash = await hashPassword(input.newPassword);
  const updated = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(users.id, user.id))
      .returning();
    await recordAudit(tx, actor, {
      action: "account.password_changed",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
    });
    return row!;
  });
  await sendEmail(db, {
    to: user.email,
    template: "passwordChanged",
    props: { username: user.username, securityUrl: `${publicUrl()}/settings/security` },
  });
  return { userId: updated.id, sessionVersion: updated.sessionVersion };
}

/** The new address takes effect only when the link sent to it is followed. */
export async function requestEmailChange(db: Db, actor: Actor, rawInput: z.input<typeof changeEmailSchema>): Promise<void> {
  assertCan(actor, "account:update");
  const input = changeEmailSchema.parse(rawInput);
  const user = await loadUser(db, requireUser(actor).user.id);
  await assertCurrentPassword(user, input.currentPassword);
  if (input.email.toLowerCase() === user.email.toLowerCase()) {
    throw AppError.field("email", "This is already your e-mail address.");
  }
  const [taken] = await findByEmail(db, input.email);
  if (taken) throw AppError.field("email", "Another account uses this e-mail address.", "CONFLICT");

  const { secret, secretHash } = createLinkSecret();
  await db.transaction(async (tx) => {
    // One pending change at a time: a new request replaces the old link.
    await tx
      .update(accountTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, "email_change"), isNull(accountTokens.usedAt)));
    await tx.insert(accountTokens).values({
      userId: user.id,
      purpose: "email_change",
      secretHash,
      newEmail: input.email,
      expiresAt: new Date(Date.now() + linkLifetimeHours * hour),
    });
    await recordAudit(tx, actor, {
      action: "account.email_change_requested",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { newEmail: input.email },
    });
  });
  await sendEmail(db, {
    to: input.email,
    template: "confirmEmailChange",
    props: {
      username: user.username,
      newEmail: input.email,
      confirmUrl: `${publicUrl()}/confirm-email?token=${secret}`,
      expiresInHours: linkLifetimeHours,
    },
  });
}

export async function confirmEmailChange(db: Db, actor: Actor, rawInput: z.input<typeof confirmEmailSchema>): Promise<{ email: string }> {
  assertCan(actor, "account:recover");
  const input = confirmEmailSchema.parse(rawInput);
  const invalid = "This confirmation link is not valid: it may have expired, been replaced or been used already.";
  try {
    const { user, previousEmail } = await db.transaction(async (tx) => {
      const token = await consumeLinkSecret(tx, "email_change", input.token);
      if (!token?.newEmail) throw AppError.field("token", invalid);
      const before = await loadUser(tx, token.userId);
      const [updated] = await tx
        .update(users)
        .set({ email: token.newEmail, updatedAt: new Date() })
        .where(eq(users.id, token.userId))
        .returning();
      await recordAudit(tx, actor, {
        action: "account.email_changed",
        target: { type: "user", id: before.id, label: before.username },
        subjectUserId: before.id,
        details: { previousEmail: before.email, newEmail: token.newEmail },
      });
      return { user: updated!, previousEmail: before.email };
    });
    // Basic credentials pair a token with its owner's username or e-mail: the old address stops counting now.
    forgetCachedCredentials(user.id);
    await sendEmail(db, { to: previousEmail, template: "emailChanged", props: { username: user.username, newEmail: user.email } });
    return { email: user.email };
  } catch (error) {
    if (uniqueViolationConstraint(error) === "users_email_lower_unique") {
      throw AppError.field("token", "Another account has taken this e-mail address since the link was sent.", "CONFLICT");
    }
    throw error;
  }
}

export async function deleteAccount(db: Db, actor: Actor, rawInput: z.input<typeof deleteAccountSchema>): Promise<void> {
  assertCan(actor, "account:delete");
  const input = deleteAccountSchema.parse(rawInput);
  const user = await loadUser(db, requireUser(actor).user.id);
  if (input.confirmation !== user.username) {
    throw AppError.field("confirmation", `Type your username, ${user.username}, exactly to confirm.`);
  }
  await assertCurrentPassword(user, input.currentPassword);
  if (user.isSiteAdmin) {
    const [admins] = await db
      .select({ value: count() })
      .from(users)
      .where(and(eq(users.isSiteAdmin, true), eq(users.isActive, true)));
    if ((admins?.value ?? 0) <= 1) {
      throw new AppError("PRECONDITION_FAILED", "You are the only active site administrator: make someone else an administrator first.");
    }
  }
  await db.transaction(async (tx) => {
    await recordAudit(tx, actor, {
      action: "account.deleted",
      target: { type: "user", id: user.id, label: user.username },
      details: { email: user.email },
    });
    await tx.delete(users).where(eq(users.id, user.id));
  });
  forgetCachedCredentials(user.id);
}
