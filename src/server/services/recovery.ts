/**
 * Recovering an account: username reminders, password-reset links and resetting the password with one. Each
 * answers the same whether or not an account matches, so none reveals which accounts exist.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { publicUrl } from "@/env";
import { forgotPasswordSchema, forgotUsernameSchema, resetPasswordSchema } from "@/shared/schemas/account";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { accountTokens, signInFailures, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { consumeLinkSecret, findByEmail, findByLogin, hour, linkLifetimeHours } from "./account-records";
import { recordAudit } from "./audit";
import { createLinkSecret, hashPassword } from "./passwords";
import { endAllSessions } from "./sessions";
import { throttleKey } from "./sign-in";

/** Answers the same whether or not an account uses the address, so it reveals nothing. */
export async function remindUsername(db: Db, actor: Actor, rawInput: z.input<typeof forgotUsernameSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotUsernameSchema.parse(rawInput);
  const matches = await findByEmail(db, input.email);
  const [account] = matches;
  await recordAudit(db, actor, {
    action: "account.username_reminder_sent",
    target: { type: "email", label: input.email },
    subjectUserId: account?.id,
    details: { accountFound: Boolean(account) },
  });
  if (!account) return;
  await sendEmail(db, {
    to: account.email,
    template: "usernameReminder",
    props: { usernames: matches.map((user) => user.username), signInUrl: `${publicUrl()}/sign-in` },
  });
}

/** Answers the same whether or not the account exists. */
export async function requestPasswordReset(db: Db, actor: Actor, rawInput: z.input<typeof forgotPasswordSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotPasswordSchema.parse(rawInput);
  const user = await findByLogin(db, input.login);
  await recordAudit(db, actor, {
    action: "account.password_reset_requested",
    target: { type: "user", id: user?.id, label: input.login },
    subjectUserId: user?.id,
    details: { accountFound: Boolean(user) },
  });
  if (!user || !user.isActive) return;
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
    // Other reset links e-mailed earlier die with this one, and the throttle starts afresh.
    await tx
      .update(accountTokens)
      .set({ usedAt: new Date() })
      .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, "password_reset"), isNull(accountTokens.usedAt)));
    await tx.delete(signInFailures).where(eq(signInFailures.loginKey, throttleKey(user, user.username)));
    const sessionsEnded = await endAllSessions(tx, user.id, "password_reset");
    await recordAudit(tx, actor, {
      action: "account.password_reset_completed",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { sessionsEnded },
    });
  });
}
