/**
 * An account's e-mail address: changing it (the new address takes effect when its link is followed), confirming
 * the address given at sign-up, and sending that confirmation again. A confirmed academic address grants the
 * academic plan. Nothing else writes users.email.
 */
import { and, eq, gt, sql } from "drizzle-orm";
import { z } from "zod";
import { siteUrl } from "./general-settings";
import { changeEmailSchema, confirmEmailSchema } from "@/shared/schemas/account";
import { assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { accountTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { assertCurrentPassword, consumeLinkSecret, endPendingLinks, findByEmail, hour, linkLifetimeHours, loadUser } from "./account-records";
import { recordAudit } from "./audit";
import { createLinkSecret } from "./passwords";
import { grantAcademicPlanIfEligible } from "./plans";
import { forgetCachedCredentials } from "./token-cache";

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
    await endPendingLinks(tx, user.id, "email_change");
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
      confirmUrl: `${await siteUrl(db)}/confirm-email?token=${secret}`,
      expiresInHours: linkLifetimeHours,
    },
  });
}

/** What following a link did: confirmed the account's address (sign-up, re-sent links) or changed it to a new one. */
export interface EmailConfirmation {
  email: string;
  outcome: "confirmed" | "changed";
}

export async function confirmEmailChange(db: Db, actor: Actor, rawInput: z.input<typeof confirmEmailSchema>): Promise<EmailConfirmation> {
  assertCan(actor, "account:recover");
  const input = confirmEmailSchema.parse(rawInput);
  const invalid = "This confirmation link is not valid: it may have expired, been replaced or been used already.";
  try {
    const confirmed = await confirmSignUpAddress(db, actor, input.token);
    if (confirmed) return confirmed;
    const { user, previousEmail } = await db.transaction(async (tx) => {
      const token = await consumeLinkSecret(tx, "email_change", input.token);
      if (!token?.newEmail) throw AppError.field("token", invalid);
      const before = await loadUser(tx, token.userId);
      const [updated] = await tx
        .update(users)
        .set({ email: token.newEmail, emailConfirmedAt: new Date(), updatedAt: new Date() })
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
    await grantAcademicPlanIfEligible(db, actor, user.id, user.email);
    return { email: user.email, outcome: "changed" };
  } catch (error) {
    if (uniqueViolationConstraint(error) === "users_email_lower_unique") {
      throw AppError.field("token", "Another account has taken this e-mail address since the link was sent.", "CONFLICT");
    }
    throw error;
  }
}

/**
 * The link sent at sign-up: confirms the address, if it is still the account's. Null when the secret is no such
 * link (it may be an address-change link, which confirmEmailChange tries next).
 */
async function confirmSignUpAddress(db: Db, actor: Actor, secret: string): Promise<EmailConfirmation | null> {
  const confirmed = await db.transaction(async (tx) => {
    const token = await consumeLinkSecret(tx, "email_confirmation", secret);
    if (!token) return null;
    const [user] = await tx
      .update(users)
      .set({ emailConfirmedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(users.id, token.userId), sql`lower(${users.email}) = lower(${token.newEmail ?? ""})`))
      .returning();
    if (!user) throw AppError.field("token", "This confirmation link was sent to an address the account no longer uses.");
    await recordAudit(tx, actor, {
      action: "account.email_confirmed",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { email: user.email },
    });
    return user;
  });
  if (!confirmed) return null;
  await grantAcademicPlanIfEligible(db, actor, confirmed.id, confirmed.email);
  return { email: confirmed.email, outcome: "confirmed" };
}

/**
 * Confirmation links an account may ask for in an hour, the one sent at sign-up included: each is a mail to an
 * address that may not be the account holder's, so a script must not be able to send them without end.
 */
export const confirmationLinksPerHour = 3;

/** Settings → Account → "Send the confirmation again": a fresh link to the account's address; older ones stop working. */
export async function resendEmailConfirmation(db: Db, actor: Actor): Promise<{ email: string }> {
  assertCan(actor, "account:update");
  const user = await loadUser(db, requireUser(actor).user.id);
  if (user.emailConfirmedAt) throw new AppError("PRECONDITION_FAILED", `Your address ${user.email} is confirmed already.`);
  const { secret, secretHash } = createLinkSecret();
  await db.transaction(async (tx) => {
    // Requests of one account are counted one after the other, so two at once cannot both slip under the limit.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for("update");
    const recent = await tx
      .select({ createdAt: accountTokens.createdAt })
      .from(accountTokens)
      .where(and(eq(accountTokens.userId, user.id), eq(accountTokens.purpose, "email_confirmation"), gt(accountTokens.createdAt, new Date(Date.now() - hour))))
      .orderBy(accountTokens.createdAt);
    if (recent.length >= confirmationLinksPerHour) {
      const minutes = Math.max(1, Math.ceil((recent[0]!.createdAt.getTime() + hour - Date.now()) / 60_000));
      throw new AppError(
        "TOO_MANY_REQUESTS",
        `${confirmationLinksPerHour} confirmation links were sent to ${user.email} in the last hour. Look for them (and in your spam folder), or ask again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      );
    }
    await endPendingLinks(tx, user.id, "email_confirmation");
    await tx.insert(accountTokens).values({
      userId: user.id,
      purpose: "email_confirmation",
      secretHash,
      newEmail: user.email,
      expiresAt: new Date(Date.now() + linkLifetimeHours * hour),
    });
    await recordAudit(tx, actor, {
      action: "account.email_confirmation_sent",
      target: { type: "user", id: user.id, label: user.username },
      subjectUserId: user.id,
      details: { email: user.email },
    });
  });
  await sendEmail(db, {
    to: user.email,
    template: "confirmEmail",
    props: { username: user.username, confirmUrl: `${await siteUrl(db)}/confirm-email?token=${secret}`, expiresInHours: linkLifetimeHours },
  });
  return { email: user.email };
}
