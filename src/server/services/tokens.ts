/**
 * Access tokens: creating, listing, revoking and regenerating them, checking one on each request, and
 * revoking reported leaks. A secret is `granary-` and 43 base62 characters; only its SHA-256 is stored, and
 * a check costs at most one lookup through the unique hash index (concurrent checks share one), or none when the
 * package-protocol handler remembers the token (token-cache.ts, which hears of every revocation). Expiry is
 * compared with the clock on every request.
 */
import { randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import { publicUrl } from "@/env";
import { createTokenSchema, leakReportSchema, regenerateTokenSchema, revokeTokenSchema } from "@/shared/schemas/tokens";
import { isTokenScope, looksLikeToken, tokenPrefix, tokenScopeNames, tokenSecretLength, type TokenScope } from "@/shared/token-scopes";
import {
  anonymousActor,
  assertCan,
  permissionsOfScopes,
  requireUser,
  tokenActor,
  tokenScopes,
  type Actor,
  type ActorToken,
  type ActorUser,
  type RequestOrigin,
  type SignedInActor,
} from "../authz";
import type { Db } from "../db";
import { uniqueViolationConstraint } from "../db/errors";
import { accessTokens, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { forgetCachedCredentials, type VerifiedTokenCache } from "./token-cache";
import { hashSecret, secretsEqual } from "./passwords";
import { findOwner } from "./packages";

const day = 24 * 60 * 60 * 1000;
/** last_used_at is written at most this often per token (and whenever the address changes). */
const lastUsedResolution = 60 * 1000;
/** How many recent addresses a token remembers; use from any other one is audited. */
const rememberedAddresses = 32;
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

// ---------------------------------------------------------------------------------------------- secrets

const base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `granary-` and 43 characters drawn uniformly from base62 (rejection sampling keeps them unbiased). */
export function generateTokenSecret(): string {
  let body = "";
  while (body.length < tokenSecretLength) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 * 62: bytes above it would favour the first characters.
      if (byte < 248) body += base62[byte % 62];
      if (body.length === tokenSecretLength) break;
    }
  }
  return `${tokenPrefix}${body}`;
}

export function hashTokenSecret(secret: string): string {
  return hashSecret(secret);
}

export function newTokenSecret(): { secret: string; secretHash: string } {
  const secret = generateTokenSecret();
  return { secret, secretHash: hashTokenSecret(secret) };
}

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
export async function listTokens(db: Db, actor: Actor): Promise<{ items: TokenSummary[] }> {
  assertCan(actor, "token:read");
  const { user } = requireUser(actor);
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

/**
 * A token may mint tokens only within itself: scopes granting nothing it lacks, and the same channel
 * restriction or a narrower one. Sessions and Basic sign-ins are not limited.
 */
function assertWithinCallingToken(actor: SignedInActor, scopes: readonly string[], channelOwnerId: string | null): void {
  const caller = actor.token;
  if (!caller) return;
  const own = permissionsOfScopes(caller.scopes);
  const wider = scopes.filter((scope) => [...permissionsOfScopes([scope])].some((permission) => !own.has(permission)));
  if (wider.length > 0) {
    const message = `This token (scopes ${caller.scopes.join(", ")}) cannot create tokens with broader scopes: ${wider.join(", ")}.`;
    throw new AppError("FORBIDDEN", message, { scopes: message });
  }
  if (caller.channelOwnerId && caller.channelOwnerId !== channelOwnerId) {
    const message = "This token is restricted to one channel: tokens it creates must be restricted to the same channel.";
    throw new AppError("FORBIDDEN", message, { channel: message });
  }
}

function duplicateNameError(name: string): AppError {
  return AppError.field("name", `You already have a live token named ${name}. Choose another name, or revoke that token first.`, "CONFLICT");
}

/** The access token page, linked from the e-mails. */
function tokensPageUrl(username: string): string {
  return `${publicUrl()}/${encodeURIComponent(username)}/settings/access`;
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
      tokensUrl: tokensPageUrl(actor.user.username),
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
  assertWithinCallingToken(signedIn, input.scopes, channel?.id ?? null);

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
  assertWithinCallingToken(signedIn, scopes, old.channelOwnerId);

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

// ---------------------------------------------------------------------------------------------- expiry

/** Puts each matching expired token's expiry into the audit trail, once: the claim and the event are one statement each. */
async function recordExpiries(db: Db, actor: Actor, where: ReturnType<typeof and>): Promise<void> {
  const expired = await db
    .update(accessTokens)
    .set({ expiryRecordedAt: new Date() })
    .where(and(where, isNull(accessTokens.expiryRecordedAt), isNull(accessTokens.revokedAt)))
    .returning({ id: accessTokens.id, name: accessTokens.name, userId: accessTokens.userId, expiresAt: accessTokens.expiresAt });
  for (const token of expired) {
    await recordAudit(db, actor, {
      action: "token.expired",
      target: { type: "access_token", id: token.id, label: token.name },
      subjectUserId: token.userId,
      details: { expiredAt: token.expiresAt.toISOString() },
    });
  }
}

// ---------------------------------------------------------------------------------------------- checking

const invalidToken = "The access token is not valid: check that it was copied whole, or create a new one.";

function lookupQuery(db: Db) {
  return db
    .select({
      id: accessTokens.id,
      name: accessTokens.name,
      secretHash: accessTokens.secretHash,
      scopes: accessTokens.scopes,
      channelOwnerId: accessTokens.channelOwnerId,
      expiresAt: accessTokens.expiresAt,
      revokedAt: accessTokens.revokedAt,
      lastUsedAt: accessTokens.lastUsedAt,
      lastUsedIp: accessTokens.lastUsedIp,
      seenIps: accessTokens.seenIps,
      user: { id: users.id, username: users.username, email: users.email, name: users.name, isSiteAdmin: users.isSiteAdmin, isActive: users.isActive },
    })
    .from(accessTokens)
    .innerJoin(users, eq(users.id, accessTokens.userId))
    .where(sql`${accessTokens.secretHash} = any(${sql.placeholder("secretHashes")}::text[])`)
    .prepare("access_tokens_by_secret_hash");
}

/** What a token check reads: the token and its account (what a VerifiedTokenCache keeps). */
export type TokenCheckRow = Awaited<ReturnType<ReturnType<typeof lookupQuery>["execute"]>>[number];

interface Waiter {
  resolve(row: TokenCheckRow | undefined): void;
  reject(error: unknown): void;
}

/**
 * Token lookups by hash, batched without caching anything: a request's check is always a query that starts after
 * the request arrived, so a revocation or an expiry committed before it is always seen. One query runs at a time;
 * the requests that arrive meanwhile wait for the next one and share it (one row per token). A request alone
 * costs one query, as it would unbatched; under load, a query answers everything that arrived during the last
 * one, which keeps token checks from costing a database round trip each (bench/RESULTS.md, "Token checks").
 */
class TokenLookups {
  private waiting = new Map<string, Waiter[]>();
  /** A run is scheduled or its query is in flight: new requests wait for the next run. */
  private busy = false;
  private readonly query: ReturnType<typeof lookupQuery>;
  /** Queries actually made, for tests and diagnostics. */
  queries = 0;

  constructor(db: Db) {
    this.query = lookupQuery(db);
  }

  find(secretHash: string): Promise<TokenCheckRow | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(secretHash);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(secretHash, [{ resolve, reject }]);
      this.schedule();
    });
  }

  /** Runs the next query once this turn of the event loop is over, so requests arriving together share it. */
  private schedule(): void {
    if (this.busy || this.waiting.size === 0) return;
    this.busy = true;
    setImmediate(() => void this.run());
  }

  private async run(): Promise<void> {
    const batch = this.waiting;
    this.waiting = new Map();
    this.queries += 1;
    try {
      const rows = await this.query.execute({ secretHashes: [...batch.keys()] });
      const byHash = new Map(rows.map((row) => [row.secretHash, row]));
      for (const [secretHash, waiters] of batch) for (const waiter of waiters) waiter.resolve(byHash.get(secretHash));
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.busy = false;
      this.schedule();
    }
  }
}

const lookups = new WeakMap<Db, TokenLookups>();

/** The lookups for a database handle (exported for tests and diagnostics). */
export function tokenLookupsFor(db: Db): TokenLookups {
  let found = lookups.get(db);
  if (!found) {
    found = new TokenLookups(db);
    lookups.set(db, found);
  }
  return found;
}

export interface AuthenticateTokenOptions {
  /** For Basic credentials with a username and a token as the password: the token must be that account's. */
  login?: string;
  now?: Date;
  /** Where the package-protocol handler keeps tokens it has verified (see token-cache.ts). */
  cache?: VerifiedTokenCache<TokenCheckRow>;
}

/** A token as a client presented it, trimmed and hashed once: a connection presents the same one on every request. */
export interface PresentedToken {
  secret: string;
  secretHash: string;
}

export function presentToken(secret: string): PresentedToken {
  const trimmed = secret.trim();
  return { secret: trimmed, secretHash: hashTokenSecret(trimmed) };
}

/**
 * The actor behind a token, checked on every request: from the cache when one is given and remembers the token,
 * otherwise one indexed lookup by hash (with the account, shared with the requests that arrive at the same time);
 * then a write only when the last use is more than a minute old or comes from another address. Refuses (a
 * rejected promise, UNAUTHORIZED) anything but a live token of an active account.
 *
 * The common package request, a token the cache remembers used again from the same address within the minute,
 * needs nothing written and is answered without a promise (this runs before every such request); anything else,
 * refusals included, is the promise of the whole check.
 */
export function authenticateToken(db: Db, token: string | PresentedToken, origin: RequestOrigin, options: AuthenticateTokenOptions = {}): Actor | Promise<Actor> {
  const presented = typeof token === "string" ? presentToken(token) : token;
  return (options.cache && recallTokenActor(options.cache, presented, origin, options)) || checkToken(db, presented, origin, options);
}

async function checkToken(db: Db, presented: PresentedToken, origin: RequestOrigin, options: AuthenticateTokenOptions): Promise<Actor> {
  if (!looksLikeToken(presented.secret)) throw new AppError("UNAUTHORIZED", invalidToken);
  const { secretHash } = presented;
  const { cache } = options;
  let row = cache?.recall(secretHash);
  let lookupGeneration: number | undefined;
  if (!row) {
    lookupGeneration = cache?.beginLookup();
    row = await tokenLookupsFor(db).find(secretHash);
  }
  // The index found the row by hash; comparing the hashes again in constant time costs nothing.
  if (!row || !secretsEqual(row.secretHash, secretHash)) throw new AppError("UNAUTHORIZED", invalidToken);
  const refusal = refusalOf(row, options.login);
  if (refusal) throw new AppError("UNAUTHORIZED", refusal);
  // A number, not a Date: this runs on every package request, and Next's instrumented Date costs more.
  const now = options.now?.getTime() ?? Date.now();
  if (row.expiresAt.getTime() <= now) {
    await recordExpiries(db, anonymousActor(origin), eq(accessTokens.id, row.id));
    throw new AppError("UNAUTHORIZED", `The access token ${row.name} expired on ${formatDay(row.expiresAt)}. Create a new one.`);
  }

  // Only tokens that pass are remembered: anything else is refused from the database every time.
  if (cache && lookupGeneration !== undefined) cache.remember(secretHash, row, lookupGeneration);
  const actor = actorOfRow(row, origin);
  if (recordingIsDue(row, origin.ipAddress, now)) await recordUse(db, actor, row, now);
  return actor;
}

/**
 * checkToken's answer from the cache alone, when it is yes and nothing has to be written; undefined for anything
 * else (not remembered, refused, just expired, a use to record), which checkToken then handles in full.
 *
 * The presented token's hash finds the row exactly as the database index does, and a row is remembered only after
 * its own hash passed checkToken's constant-time comparison, so there is nothing left to compare. A string that is
 * no token at all is never remembered and reaches checkToken's format check.
 */
function recallTokenActor(
  cache: VerifiedTokenCache<TokenCheckRow>,
  presented: PresentedToken,
  origin: RequestOrigin,
  options: AuthenticateTokenOptions,
): Actor | undefined {
  const row = cache.recall(presented.secretHash);
  if (!row || refusalOf(row, options.login)) return undefined;
  const now = options.now?.getTime() ?? Date.now();
  if (row.expiresAt.getTime() <= now || recordingIsDue(row, origin.ipAddress, now)) return undefined;
  return actorOfRow(row, origin);
}

/** Why the row refuses this request, from the row alone (the expiry needs the clock and is recorded when it happens). */
function refusalOf(row: TokenCheckRow, login: string | undefined): string | null {
  if (login !== undefined) {
    const normalized = login.trim().toLowerCase();
    if (normalized !== row.user.username.toLowerCase() && normalized !== row.user.email.toLowerCase()) {
      return "This access token belongs to another account: send __token__ or its owner's username with it.";
    }
  }
  if (!row.user.isActive) return "The account this access token belongs to has been deactivated.";
  if (row.revokedAt) return `The access token ${row.name} has been revoked. Create a new one.`;
  return null;
}

/** The actor's account and token for a row, worked out once per row (a remembered row serves many requests). */
const actorParts = new WeakMap<TokenCheckRow, { user: ActorUser; token: ActorToken }>();

function actorOfRow(row: TokenCheckRow, origin: RequestOrigin): Actor {
  let parts = actorParts.get(row);
  if (!parts) {
    const { isActive: _isActive, ...user } = row.user;
    parts = { user, token: { id: row.id, name: row.name, scopes: row.scopes.filter(isTokenScope), channelOwnerId: row.channelOwnerId } };
    actorParts.set(row, parts);
  }
  return tokenActor(parts.user, parts.token, origin);
}

/** A use is recorded from a new address, from another address than the last, or when the last is over a minute old. */
function recordingIsDue(row: TokenCheckRow, ipAddress: string, now: number): boolean {
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > lastUsedResolution) return true;
  return row.lastUsedIp !== ipAddress || !row.seenIps.includes(ipAddress);
}

/**
 * Records a use that is due. The row is updated in place first, so that concurrent requests with the same row (a
 * remembered one, or one shared by a batched lookup) see the use and do not write it again.
 */
function recordUse(db: Db, actor: Actor, row: TokenCheckRow, now: number): Promise<void> {
  const ipAddress = actor.origin.ipAddress;
  const addressSeen = row.seenIps.includes(ipAddress);
  const usedAt = new Date(now);
  row.lastUsedAt = usedAt;
  row.lastUsedIp = ipAddress;
  if (addressSeen) return db.update(accessTokens).set({ lastUsedAt: usedAt, lastUsedIp: ipAddress }).where(eq(accessTokens.id, row.id)).then(() => {});
  row.seenIps = [...row.seenIps, ipAddress].slice(-rememberedAddresses);
  return recordNewAddress(db, actor, row, usedAt);
}

async function recordNewAddress(db: Db, actor: Actor, row: TokenCheckRow, usedAt: Date): Promise<void> {
  const ipAddress = actor.origin.ipAddress;
  // Several first requests may race (pip opens a few at once, several servers may see them): only the one whose
  // update lands records it.
  const [claimed] = await db
    .update(accessTokens)
    .set({
      seenIps: sql`(array_append(${accessTokens.seenIps}, ${ipAddress}::text))[greatest(cardinality(${accessTokens.seenIps}) + 2 - ${rememberedAddresses}, 1):]`,
      lastUsedAt: usedAt,
      lastUsedIp: ipAddress,
    })
    .where(and(eq(accessTokens.id, row.id), sql`not (${ipAddress}::text = any(${accessTokens.seenIps}))`))
    .returning({ id: accessTokens.id });
  if (claimed) {
    await recordAudit(db, actor, {
      action: "token.used_from_new_ip",
      target: { type: "access_token", id: row.id, label: row.name },
      subjectUserId: row.user.id,
      details: { ipAddress, userAgent: actor.origin.userAgent },
    });
  }
}

// ---------------------------------------------------------------------------------------------- leaks

/**
 * The leak-report endpoint's work: whoever holds a secret may have it revoked. Each reported live token is
 * revoked, its owner e-mailed and the report audited; the answer is the same whether any token existed.
 */
export async function reportLeakedTokens(db: Db, origin: RequestOrigin, rawReports: unknown): Promise<{ received: number }> {
  const reports = leakReportSchema.parse(rawReports);
  const reporter = anonymousActor(origin);
  const handled = new Set<string>();
  for (const report of reports) {
    const secret = report.token.trim();
    if (!looksLikeToken(secret) || handled.has(secret)) continue;
    handled.add(secret);
    const url = report.url?.trim() || null;
    const source = report.source?.trim() || null;
    const now = new Date();
    const revoked = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(accessTokens)
        .set({ revokedAt: now, revokedReason: "leaked", holdsName: false })
        .where(and(eq(accessTokens.secretHash, hashTokenSecret(secret)), isNull(accessTokens.revokedAt), gt(accessTokens.expiresAt, now)))
        .returning();
      if (!row) return null;
      await recordAudit(tx, reporter, {
        action: "token.leak_reported",
        target: { type: "access_token", id: row.id, label: row.name },
        subjectUserId: row.userId,
        details: { url, source },
      });
      return row;
    });
    if (!revoked) continue;
    forgetCachedCredentials(revoked.userId);
    const [owner] = await db.select({ username: users.username, email: users.email }).from(users).where(eq(users.id, revoked.userId));
    if (!owner) continue;
    await sendEmail(db, {
      to: owner.email,
      template: "tokenLeaked",
      props: { username: owner.username, tokenName: revoked.name, url, source, tokensUrl: tokensPageUrl(owner.username) },
    });
  }
  return { received: reports.length };
}
