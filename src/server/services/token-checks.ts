/**
 * Checking the access token a request presents: a check costs at most one lookup through the unique hash index
 * (concurrent checks share one), or none when the package-protocol handler remembers the token (token-cache.ts,
 * which hears of every revocation). Expiry is compared with the clock on every request, and uses are recorded at
 * most once a minute per token, or when it is used from a new address.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { isTokenScope, looksLikeToken } from "@/shared/token-scopes";
import { anonymousActor, tokenActor, type Actor, type ActorToken, type ActorUser, type RequestOrigin } from "../authz";
import type { Db } from "../db";
import { accessTokens, users } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { secretsEqual } from "./passwords";
import type { VerifiedTokenCache } from "./token-cache";
import { hashTokenSecret } from "./token-secrets";

/** last_used_at is written at most this often per token (and whenever the address changes). */
/** last_used_at is written at most this often per token (and whenever the address changes). */
const lastUsedResolution = 60 * 1000;
/** How many recent addresses a token remembers; use from any other one is audited. */
const rememberedAddresses = 32;

// ---------------------------------------------------------------------------------------------- expiry

/** Puts each matching expired token's expiry into the audit trail, once: the claim and the event are one statement each. */
export async function recordExpiries(db: Db, actor: Actor, where: ReturnType<typeof and>): Promise<void> {
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

function formatDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

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
