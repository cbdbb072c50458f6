/**
 * Recovering an account: username reminders, password-reset links and resetting the password with one. Each
 * request answers the same whether or not an account matches and whether or not a limit was reached, so none
 * reveals which accounts exist or who asked: the mail is simply not sent again, and the audit trail says why.
 * Mail is limited per account (a few an hour of each kind) and per client address (more, across accounts).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { env, publicUrl } from "@/env";
import { forgotPasswordSchema, forgotUsernameSchema, resetPasswordSchema } from "@/shared/schemas/account";
import { assertCan, type Actor } from "../authz";
import { throttlingAddress } from "../client-address";
import type { Db } from "../db";
import { accountTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { attemptedAccount, consumeLinkSecret, findByEmail, findByLogin, hour, linkLifetimeHours } from "./account-records";
import { recordAudit } from "./audit";
import { createLinkSecret, hashPassword } from "./passwords";
import { takeAllowance } from "./request-limits";
import { endAllSessions } from "./sessions";
import { forgetSignInFailuresFrom } from "./sign-in";

type RecoveryMail = "password_reset" | "username_reminder";

/** Why no mail went out, for the audit trail only: the answer is the same either way. */
type MailDecision = { mailSent: true } | { mailSent: false; notSentBecause: "no_account" | "deactivated" | "account_limit" | "address_limit" };

async function mayMail(db: Db, actor: Actor, kind: RecoveryMail, accountId: string): Promise<MailDecision> {
  const allowance = await takeAllowance(db, [
    { name: "account_limit", bucket: `${kind}:account:${accountId}`, limit: env.RECOVERY_MAILS_PER_ACCOUNT_PER_HOUR },
    { name: "address_limit", bucket: `recovery:address:${throttlingAddress(actor.origin.ipAddress)}`, limit: env.RECOVERY_MAILS_PER_IP_PER_HOUR },
  ]);
  return allowance.allowed ? { mailSent: true } : { mailSent: false, notSentBecause: allowance.reached as "account_limit" | "address_limit" };
}

export async function remindUsername(db: Db, actor: Actor, rawInput: z.input<typeof forgotUsernameSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotUsernameSchema.parse(rawInput);
  const matches = await findByEmail(db, input.email);
  const [account] = matches;
  const decision: MailDecision = account ? await mayMail(db, actor, "username_reminder", account.id) : { mailSent: false, notSentBecause: "no_account" };
  await recordAudit(db, actor, {
    action: "account.username_reminder_sent",
    target: { type: "email", label: input.email },
    subjectUserId: account?.id,
    details: { accountFound: Boolean(account), ...decision },
  });
  if (!account || !decision.mailSent) return;
  await sendEmail(db, {
    to: account.email,
    template: "usernameReminder",
    props: { usernames: matches.map((user) => user.username), signInUrl: `${publicUrl()}/sign-in` },
  });
}

export async function requestPasswordReset(db: Db, actor: Actor, rawInput: z.input<typeof forgotPasswordSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotPasswordSchema.parse(rawInput);
  const user = await findByLogin(db, input.login);
  const decision: MailDecision = !user
    ? { mailSent: false, notSentBecause: "no_account" }
    : !user.isActive
      ? { mailSent: false, notSentBecause: "deactivated" }
      : await mayMail(db, actor, "password_reset", user.id);
  // The field takes a username or e-mail, and people type passwords into it: one that matches no account is not kept.
  const tried = attemptedAccount(user, input.login);
  await recordAudit(db, actor, {
    action: "account.password_reset_requested",
    target: tried.target,
    subjectUserId: tried.subjectUserId,
    details: { ...tried.details, accountFound: Boolean(user), ...decision },
  });
  if (!user || !decision.mailSent) return;
  const { secret, secretHash } = createLinkSecret();
  await db.insert(accountTokens).values({
    userId: user.id,
    purpose: "password_reset",
    secretHash,
    expiresAt: new Date(Date.now() + linkLifetimeHours * hour),
  });
  await sendEmail(db, {
    to: user.email,
    template: "passwordReset",
    props: { username: user.username, resetUrl: `${publicUrl()}/reset-password?token=${secret}`, expiresInHours: linkLifetimeHours },
  });
}

const invalidResetLink = "This reset link is not valid: it may have expired or been used already. Ask for a new one.";

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
    // Other reset links e-mailed earlier die with this one, and the address the owner reset from may sign in at
    // once; the failures of other addresses (an attacker's) keep counting.
    await tx
      .update(accountTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, "password_reset"), isNull(accountTokens.usedAt)));
    await forgetSignInFailuresFrom(tx, user, actor.origin.ipAddress);
    const sessionsEnded = await endAllSessions(tx, user.id, "password_reset");
    await recordAudit(tx, actor, {
      action: "account.password_reset_completed",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { sessionsEnded },
    });
  });
}
