/**
 * Recovering an account: username reminders, password-reset links and resetting the password with one. Each
 * request answers the same whether or not an account matches and whether or not a limit was reached, so none
 * reveals which accounts exist or who asked: the mail is simply not sent again, and the audit trail says why.
 * Mail is limited per account (a few an hour of each kind) and per client address (more, across accounts).
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { siteUrl } from "./general-settings";
import { forgotPasswordSchema, forgotUsernameSchema, resetPasswordSchema } from "@/shared/schemas/account";
import { assertCan, type Actor } from "../authz";
import { throttlingAddress } from "../client-address";
import type { Db } from "../db";
import { inSavepoint, rehearse } from "../db/rehearse";
import { accountTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { attemptedAccount, consumeLinkSecret, endPendingLinks, findByEmail, findByLogin, hour, linkLifetimeHours, unknownLoginDigest, type UserRow } from "./account-records";
import { recordAudit } from "./audit";
import { getAccountType } from "./ldap-settings";
import { createLinkSecret, hashPassword } from "./passwords";
import { takeAllowance } from "./request-limits";
import { endAllSessions } from "./sessions";
import { forgetSignInFailuresFrom } from "./sign-in";

type RecoveryMail = "password_reset" | "username_reminder";

/** Why no mail went out, for the audit trail only: the answer is the same either way. */
type MailDecision = { mailSent: true } | { mailSent: false; notSentBecause: "no_account" | "deactivated" | "account_limit" | "address_limit" };

/** Where rehearsed recovery mail is addressed; it is never sent. */
const rehearsalAddress = "nobody@rehearsal.invalid";

/**
 * Counts the request against the account it names (or, when it names none, against a keyed hash of what was typed)
 * and against the client's address, the same statements either way, and decides whether mail goes out.
 */
async function decideMail(tx: Db, actor: Actor, kind: RecoveryMail, login: string, account: UserRow | undefined): Promise<MailDecision> {
  const named = account ? `account:${account.id}` : `unknown:${unknownLoginDigest(login)}`;
  const allowance = await takeAllowance(tx, [
    { name: "account_limit", bucket: `${kind}:${named}`, limit: env.RECOVERY_MAILS_PER_ACCOUNT_PER_HOUR },
    { name: "address_limit", bucket: `recovery:address:${throttlingAddress(actor.origin.ipAddress)}`, limit: env.RECOVERY_MAILS_PER_IP_PER_HOUR },
  ]);
  if (!account) return { mailSent: false, notSentBecause: "no_account" };
  if (!account.isActive) return { mailSent: false, notSentBecause: "deactivated" };
  return allowance.allowed ? { mailSent: true } : { mailSent: false, notSentBecause: allowance.reached as "account_limit" | "address_limit" };
}

/**
 * Writes the mail (and what goes with it) for real when it is to be sent, and otherwise rehearses the same writes
 * in a savepoint that is rolled back: the database does the same work, so the answer takes as long whether or not
 * an account matched (bench/RESULTS.md, "Recovery timing").
 */
async function writeOrRehearse(tx: Db, decision: MailDecision, write: (savepoint: Db, real: boolean) => Promise<unknown>): Promise<void> {
  if (decision.mailSent) await inSavepoint(tx, (savepoint) => write(savepoint, true));
  else await rehearse(tx, (savepoint) => write(savepoint, false));
}

export async function remindUsername(db: Db, actor: Actor, rawInput: z.input<typeof forgotUsernameSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotUsernameSchema.parse(rawInput);
  const matches = await findByEmail(db, input.email);
  const [account] = matches;
  // One transaction (one commit) either way: the reminder is queued with the audit event, not after it.
  await db.transaction(async (tx) => {
    const decision = await decideMail(tx, actor, "username_reminder", input.email, account);
    await recordAudit(tx, actor, {
      action: "account.username_reminder_sent",
      target: { type: "email", label: input.email },
      subjectUserId: account?.id,
      details: { accountFound: Boolean(account), ...decision },
    });
    await writeOrRehearse(tx, decision, async (savepoint, real) =>
      sendEmail(savepoint, {
        to: real ? account!.email : rehearsalAddress,
        template: "usernameReminder",
        props: { usernames: real ? matches.map((user) => user.username) : ["nobody"], signInUrl: `${await siteUrl(savepoint)}/sign-in` },
      }),
    );
  });
}

export async function requestPasswordReset(db: Db, actor: Actor, rawInput: z.input<typeof forgotPasswordSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = forgotPasswordSchema.parse(rawInput);
  const found = await findByLogin(db, input.login);
  // With accounts from a directory, passwords are the directory's to reset: only break-glass accounts get a link,
  // and the others are answered exactly like an unknown name.
  const user = found && (found.keepsLocalPassword || (await getAccountType(db)) !== "ldap") ? found : undefined;
  // The field takes a username or e-mail, and people type passwords into it: one that matches no account is not kept.
  const tried = attemptedAccount(user, input.login);
  // One transaction (one commit) either way: the link and its mail are written with the audit event.
  await db.transaction(async (tx) => {
    const decision = await decideMail(tx, actor, "password_reset", input.login, user);
    await recordAudit(tx, actor, {
      action: "account.password_reset_requested",
      target: tried.target,
      subjectUserId: tried.subjectUserId,
      details: { ...tried.details, accountFound: Boolean(user), ...decision },
    });
    await writeOrRehearse(tx, decision, async (savepoint, real) => {
      const { secret, secretHash } = createLinkSecret();
      await savepoint.insert(accountTokens).values({
        // A rehearsed link needs some account for its row: it is rolled back with the savepoint.
        userId: real ? user!.id : sql`(select ${users.id} from ${users} limit 1)`,
        purpose: "password_reset",
        secretHash,
        expiresAt: new Date(Date.now() + linkLifetimeHours * hour),
      });
      await sendEmail(savepoint, {
        to: real ? user!.email : rehearsalAddress,
        template: "passwordReset",
        props: { username: real ? user!.username : "nobody", resetUrl: `${await siteUrl(savepoint)}/reset-password?token=${secret}`, expiresInHours: linkLifetimeHours },
      });
    });
  });
}

const invalidResetLink = "This reset link is not valid: it may have expired or been used already. Ask for a new one.";

export async function resetPassword(db: Db, actor: Actor, rawInput: z.input<typeof resetPasswordSchema>): Promise<void> {
  assertCan(actor, "account:recover");
  const input = resetPasswordSchema.parse(rawInput);
  const passwordHash = await hashPassword(input.password);
  const directoryMode = (await getAccountType(db)) === "ldap";
  await db.transaction(async (tx) => {
    const token = await consumeLinkSecret(tx, "password_reset", input.token);
    if (!token) throw AppError.field("token", invalidResetLink);
    const [user] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(and(eq(users.id, token.userId), eq(users.isActive, true), directoryMode ? eq(users.keepsLocalPassword, true) : undefined))
      .returning();
    if (!user) throw AppError.field("token", invalidResetLink);
    // Other reset links e-mailed earlier die with this one, and the address the owner reset from may sign in at
    // once; the failures of other addresses (an attacker's) keep counting.
    await endPendingLinks(tx, user.id, "password_reset");
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
