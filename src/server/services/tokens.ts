/**
 * Access tokens as their owner manages them: creating, listing, revoking and regenerating. Secrets are made in
 * token-secrets.ts, checked on every request in token-checks.ts, and revoked when reported in token-leaks.ts.
 */
import { and, desc, eq, isNull, lte, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { siteUrl } from "./general-settings";
import { createTokenSchema, listTokensSchema, regenerateTokenSchema, revokeTokenSchema } from "@/shared/schemas/tokens";
import { isTokenScope, tokenScopeNames, type TokenScope } from "@/shared/token-scopes";
import { assertCan, assertTokenMayCreate, canManageTokensOf, requireUser, tokenScopes, type Actor, type ActorToken, type SignedInActor } from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { accessTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { findOwner } from "./owners";
import { forgetCachedCredentials } from "./token-cache";
import { recordExpiries } from "./token-checks";
import { newTokenSecret } from "./token-secrets";

const day = 24 * 60 * 60 * 1000;
/** Revoked and expired tokens stay listed (marked) up to this many, newest first. */
const listedInactiveTokens = 100;

export type TokenStatus = "active" | "expired" | "revoked";

/** What the token page and the CLI show: never the secret. */
export interface TokenSummary {
  id: string;
  name: string;
  scopes: string[];
  channel: string | null;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
  status: TokenStatus;
}

export interface CreatedToken {
  token: TokenSummary;
  /** Shown once: only its hash is kept. */
  secret: string;
}

type TokenRow = typeof accessTokens.$inferSelect;

// ---------------------------------------------------------------------------------------------- reading

export function statusOf(token: Pick<TokenRow, "revokedAt" | "expiresAt">, now = new Date()): TokenStatus {
  if (token.revokedAt) return "revoked";
  return token.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
}

function summarize(row: TokenRow, channel: string | null, now = new Date()): TokenSummary {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    channel,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    lastUsedIp: row.lastUsedIp,
    revokedAt: row.revokedAt,
    status: statusOf(row, now),
  };
}

/** The scope table, for the token page's checkboxes and `granary token scopes`. */
export function listTokenScopes(): { scope: TokenScope; description: string; permissions: string[] }[] {
  return tokenScopeNames.map((scope) => ({ scope, description: tokenScopes[scope].description, permissions: [...tokenScopes[scope].permissions] }));
}

const channelOwners = alias(users, "channel_owner");

/** The account's tokens: live ones first, then revoked and expired ones, marked. */
export async function listTokens(db: Db, actor: Actor, rawInput: z.input<typeof listTokensSchema> = {}): Promise<{ items: TokenSummary[] }> {
  assertCan(actor, "token:read");
  const { user } = requireUser(actor);
  const input = listTokensSchema.parse(rawInput);
  if (input.owner !== undefined) {
    const owner = await findOwner(db, input.owner);
    if (!owner || !canManageTokensOf(actor, owner.id)) throw new AppError("NOT_FOUND", `There are no access tokens of ${input.owner} for you to see.`);
  }
  await recordExpiries(db, actor, and(eq(accessTokens.userId, user.id), sql`${accessTokens.expiresAt} <= now()`));
  const live = sql`(${accessTokens.revokedAt} is null and ${accessTokens.expiresAt} > now())`;
  const columns = { token: accessTokens, channel: channelOwners.username };
  const [active, inactive] = await Promise.all([
    db
      .select(columns)
      .from(accessTokens)
      .leftJoin(channelOwners, eq(channelOwners.id, accessTokens.channelOwnerId))
      .where(and(eq(accessTokens.userId, user.id), live))
      .orderBy(desc(accessTokens.createdAt), desc(accessTokens.id)),
    db
      .select(columns)
      .from(accessTokens)
      .leftJoin(channelOwners, eq(channelOwners.id, accessTokens.channelOwnerId))
      .where(and(eq(accessTokens.userId, user.id), sql`not ${live}`))
      .orderBy(desc(accessTokens.createdAt), desc(accessTokens.id))
      .limit(listedInactiveTokens),
  ]);
  const now = new Date();
  return { items: [...active, ...inactive].map((row) => summarize(row.token, row.channel, now)) };
}

async function channelNameOf(db: Db, ownerId: string | null): Promise<string | null> {
  if (!ownerId) return null;
  const [owner] = await db.select({ username: users.username }).from(users).where(eq(users.id, ownerId));
  return owner?.username ?? null;
}

/** The calling token as `account.whoami` shows it. */
export async function describeToken(db: Db, token: ActorToken) {
  const [row] = await db
    .select({ name: accessTokens.name, scopes: accessTokens.scopes, expiresAt: accessTokens.expiresAt, channel: channelOwners.username })
    .from(accessTokens)
    .leftJoin(channelOwners, eq(channelOwners.id, accessTokens.channelOwnerId))
    .where(eq(accessTokens.id, token.id));
  if (!row) throw new AppError("UNAUTHORIZED", "This access token no longer exists.");
  return { name: row.name, scopes: row.scopes, channel: row.channel ?? null, expiresAt: row.expiresAt };
}

// ---------------------------------------------------------------------------------------------- creating

function duplicateNameError(name: string): AppError {
  return AppError.field("name", `You already have a live token named ${name}. Choose another name, or revoke that token first.`, "CONFLICT");
}

/** The access token page, linked from the e-mails. */
export async function tokensPageUrl(db: Db, username: string): Promise<string> {
  return `${await siteUrl(db)}/${encodeURIComponent(username)}/settings/access`;
}

function formatDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

async function sendTokenCreatedEmail(db: Db, actor: SignedInActor, row: TokenRow, channel: string | null): Promise<void> {
  await sendEmail(db, {
    to: actor.user.email,
    template: "tokenCreated",
    props: {
      username: actor.user.username,
      tokenName: row.name,
      scopes: row.scopes,
      channel,
      expiresOn: formatDay(row.expiresAt),
      ipAddress: actor.origin.ipAddress,
      tokensUrl: await tokensPageUrl(db, actor.user.username),
    },
  });
}

/** Inserts a token, releasing the name of an expired token that still holds it. */
async function insertToken(
  tx: Db,
  actor: SignedInActor,
  values: { name: string; scopes: TokenScope[]; channelOwnerId: string | null; lifetimeDays: number },
  secretHash: string,
  now: Date,
): Promise<TokenRow> {
  await tx
    .update(accessTokens)
    .set({ holdsName: false })
    .where(
      and(
        eq(accessTokens.userId, actor.user.id),
        sql`lower(${accessTokens.name}) = ${values.name.toLowerCase()}`,
        eq(accessTokens.holdsName, true),
        lte(accessTokens.expiresAt, now),
      ),
    );
  const [row] = await tx
    .insert(accessTokens)
    .values({ ...values, userId: actor.user.id, secretHash, createdAt: now, expiresAt: new Date(now.getTime() + values.lifetimeDays * day) })
    .returning();
  if (!row) throw new Error("Inserting an access token returned no row.");
  return row;
}

export async function createToken(db: Db, actor: Actor, rawInput: z.input<typeof createTokenSchema>): Promise<CreatedToken> {
  assertCan(actor, "token:create");
  const signedIn = requireUser(actor);
  const input = createTokenSchema.parse(rawInput);
  const channel = input.channel ? await findOwner(db, input.channel) : null;
  if (input.channel && !channel) throw AppError.field("channel", `There is no user or channel named ${input.channel}.`);
  assertTokenMayCreate(signedIn, input.scopes, channel?.id ?? null);

  const { secret, secretHash } = newTokenSecret();
  const now = new Date();
  let row: TokenRow;
  try {
    row = await db.transaction(async (tx) => {
      const created = await insertToken(
        tx,
        signedIn,
        { name: input.name, scopes: input.scopes, channelOwnerId: channel?.id ?? null, lifetimeDays: input.expiresInDays },
        secretHash,
        now,
      );
      await recordAudit(tx, actor, {
        action: "token.created",
        target: { type: "access_token", id: created.id, label: created.name },
        subjectUserId: signedIn.user.id,
        details: { scopes: created.scopes, channel: channel?.username ?? null, expiresAt: created.expiresAt.toISOString() },
      });
      return created;
    });
  } catch (error) {
    if (uniqueViolationConstraint(error) === "access_tokens_user_live_name_unique") throw duplicateNameError(input.name);
    throw error;
  }
  await sendTokenCreatedEmail(db, signedIn, row, channel?.username ?? null);
  return { token: summarize(row, channel?.username ?? null, now), secret };
}

// ---------------------------------------------------------------------------------------------- revoking

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(): AppError {
  return new AppError("NOT_FOUND", "You have no such token.");
}

export async function revokeToken(db: Db, actor: Actor, rawInput: z.input<typeof revokeTokenSchema>): Promise<void> {
  assertCan(actor, "token:revoke");
  const { user } = requireUser(actor);
  const input = revokeTokenSchema.parse(rawInput);
  let which;
  if (input.id !== undefined) {
    if (!uuidPattern.test(input.id)) throw notFound();
    which = eq(accessTokens.id, input.id);
  } else {
    which = and(sql`lower(${accessTokens.name}) = ${input.name!.toLowerCase()}`, eq(accessTokens.holdsName, true));
  }
  const mine = and(eq(accessTokens.userId, user.id), which);
  await db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(accessTokens)
      .set({ revokedAt: new Date(), revokedReason: "revoked", holdsName: false })
      .where(and(mine, isNull(accessTokens.revokedAt)))
      .returning();
    if (!revoked) {
      // Revoking twice is not an error; a token that is not the caller's does not exist for it.
      const [existing] = await tx.select({ id: accessTokens.id }).from(accessTokens).where(mine);
      if (!existing) throw notFound();
      return;
    }
    await recordAudit(tx, actor, {
      action: "token.revoked",
      target: { type: "access_token", id: revoked.id, label: revoked.name },
      subjectUserId: user.id,
      details: { reason: "revoked" },
    });
  });
  // Committed: this process's protocol handler forgets the token before the caller hears it is revoked.
  forgetCachedCredentials(user.id);
}

/** Revokes a token and creates its replacement (same name, scopes, restriction and lifetime) in one transaction. */
export async function regenerateToken(db: Db, actor: Actor, rawInput: z.input<typeof regenerateTokenSchema>): Promise<CreatedToken> {
  assertCan(actor, "token:create");
  assertCan(actor, "token:revoke");
  const signedIn = requireUser(actor);
  const input = regenerateTokenSchema.parse(rawInput);
  if (!uuidPattern.test(input.id)) throw notFound();
  const [old] = await db
    .select()
    .from(accessTokens)
    .where(and(eq(accessTokens.id, input.id), eq(accessTokens.userId, signedIn.user.id)));
  if (!old) throw notFound();
  if (old.revokedAt) throw new AppError("PRECONDITION_FAILED", `The token ${old.name} was revoked; create a new token instead.`);
  const scopes = old.scopes.filter(isTokenScope);
  assertTokenMayCreate(signedIn, scopes, old.channelOwnerId);

  const { secret, secretHash } = newTokenSecret();
  const now = new Date();
  let row: TokenRow;
  try {
    row = await db.transaction(async (tx) => {
      const [revoked] = await tx
        .update(accessTokens)
        .set({ revokedAt: now, revokedReason: "regenerated", holdsName: false })
        .where(and(eq(accessTokens.id, old.id), isNull(accessTokens.revokedAt)))
        .returning({ id: accessTokens.id });
      if (!revoked) throw new AppError("PRECONDITION_FAILED", `The token ${old.name} was revoked meanwhile; create a new token instead.`);
      const created = await insertToken(
        tx,
        signedIn,
        { name: old.name, scopes, channelOwnerId: old.channelOwnerId, lifetimeDays: old.lifetimeDays },
        secretHash,
        now,
      );
      await recordAudit(tx, actor, {
        action: "token.revoked",
        target: { type: "access_token", id: old.id, label: old.name },
        subjectUserId: signedIn.user.id,
        details: { reason: "regenerated", replacedBy: created.id },
      });
      await recordAudit(tx, actor, {
        action: "token.created",
        target: { type: "access_token", id: created.id, label: created.name },
        subjectUserId: signedIn.user.id,
        details: { scopes: created.scopes, channelOwnerId: created.channelOwnerId, expiresAt: created.expiresAt.toISOString(), regeneratedFrom: old.id },
      });
      return created;
    });
  } catch (error) {
    if (uniqueViolationConstraint(error) === "access_tokens_user_live_name_unique") throw duplicateNameError(old.name);
    throw error;
  }
  forgetCachedCredentials(signedIn.user.id);
  const channel = await channelNameOf(db, row.channelOwnerId);
  await sendTokenCreatedEmail(db, signedIn, row, channel);
  return { token: summarize(row, channel, now), secret };
}
