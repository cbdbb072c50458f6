/**
 * The token cache of the package-protocol handler, on the real database with its real notifications: what it
 * saves, and every way a remembered token stops being accepted.
 */
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { unauthorizedMessage } from "@/test/caller";
import { lockTable, setUpTestDatabase, testDatabaseUrl } from "@/test/db";
import { createAccessToken, createSiteAdmin, createUser, recordedAuditEvents, testOrigin } from "@/test/factories";
import type { Actor } from "../authz";
import { accessTokens, users } from "../db/schema";
import { setUserActive } from "./admin";
import { VerifiedTokenCache } from "./token-cache";
import { authenticateToken, tokenLookupsFor, type TokenCheckRow } from "./token-checks";
import { regenerateToken, revokeToken } from "./tokens";

const db = setUpTestDatabase();
let cache: VerifiedTokenCache<TokenCheckRow>;
const log = vi.fn();

beforeEach(async () => {
  log.mockReset();
  cache = new VerifiedTokenCache<TokenCheckRow>(testDatabaseUrl(), { log });
  await cache.start();
});
afterEach(() => cache.close());

const check = (secret: string, origin = testOrigin, now?: Date) => authenticateToken(db, secret, origin, { cache, now });


/** Database lookups a block of work made. */
async function lookupsDuring(work: () => unknown): Promise<number> {
  const before = tokenLookupsFor(db).queries;
  await work();
  return tokenLookupsFor(db).queries - before;
}

const username = (actor: Actor) => (actor.kind === "user" ? actor.user.username : null);

describe("a verified token", () => {
  it("is checked in the database once, then from memory", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user, { scopes: ["pypi:download"] });
    expect(await lookupsDuring(() => check(token.secret))).toBe(1);
    expect(await lookupsDuring(async () => {
      for (let request = 0; request < 5; request++) expect(username(await check(token.secret))).toBe(user.username);
    })).toBe(0);
    expect(cache.size).toBe(1);
  });

  it("is answered from memory without a promise, with the same checks", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    await check(token.secret);
    const remembered = check(token.secret);
    expect(remembered).not.toBeInstanceOf(Promise);
    expect(username(remembered as Actor)).toBe(user.username);
    // Basic credentials with a username: the token must be that account's, remembered or not.
    const withLogin = (login: string) => authenticateToken(db, token.secret, testOrigin, { cache, login });
    expect(username(withLogin(` ${user.username.toUpperCase()} `) as Actor)).toBe(user.username);
    expect(await unauthorizedMessage(withLogin("someone-else"))).toContain("another account");
    // Another address is a use to record: that request waits for the database.
    const elsewhere = check(token.secret, { ...testOrigin, ipAddress: "203.0.113.9" });
    expect(elsewhere).toBeInstanceOf(Promise);
    expect(username(await elsewhere)).toBe(user.username);
  });

  it("is not remembered when refused: a wrong, revoked or expired token is read every time", async () => {
    const user = await createUser(db);
    const revoked = await createAccessToken(db, user, { revoked: true });
    const expired = await createAccessToken(db, user, { expired: true });
    for (const secret of [revoked.secret, expired.secret, `granary-${"Q".repeat(43)}`]) {
      expect(await lookupsDuring(() => unauthorizedMessage(check(secret)))).toBe(1);
      expect(await lookupsDuring(() => unauthorizedMessage(check(secret)))).toBe(1);
    }
    expect(cache.size).toBe(0);
  });

  it("stops working on the very next request when revoked, regenerated or deactivated through this server", async () => {
    const user = await createUser(db);
    const admin = await createSiteAdmin(db);
    const [revoked, regenerated, other] = await Promise.all([createAccessToken(db, user), createAccessToken(db, user), createAccessToken(db, admin)]);
    for (const token of [revoked, regenerated, other]) await check(token.secret);

    await revokeToken(db, user.actor, { id: revoked.id });
    expect(await unauthorizedMessage(check(revoked.secret))).toContain("revoked");
    await regenerateToken(db, user.actor, { id: regenerated.id });
    expect(await unauthorizedMessage(check(regenerated.secret))).toContain("revoked");

    const another = await createAccessToken(db, user);
    await check(another.secret);
    await setUserActive(db, admin.actor, { userId: user.id, active: false });
    expect(await unauthorizedMessage(check(another.secret))).toContain("deactivated");
    // Another account's token is untouched.
    expect(await lookupsDuring(() => check(other.secret))).toBe(0);
  });

  it("hears of changes made elsewhere (another app server, an administrator's SQL) through the database", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    await check(token.secret);

    await db.update(users).set({ username: "renamed-elsewhere" }).where(eq(users.id, user.id));
    await cache.settle();
    expect(username(await check(token.secret))).toBe("renamed-elsewhere");

    await db.update(users).set({ isSiteAdmin: true }).where(eq(users.id, user.id));
    await cache.settle();
    const promoted = await check(token.secret);
    expect(promoted.kind === "user" && promoted.user.isSiteAdmin).toBe(true);

    // Without settle(): the notification arrives by itself, within moments of the commit.
    await db.update(accessTokens).set({ revokedAt: new Date(), revokedReason: "revoked" }).where(eq(accessTokens.id, token.id));
    await vi.waitFor(() => expect(cache.size).toBe(0), { timeout: 5_000, interval: 5 });
    expect(await unauthorizedMessage(check(token.secret))).toContain("revoked");
  });

  it("is forgotten when its account or a channel it is limited to is deleted", async () => {
    const user = await createUser(db);
    const channelOwner = await createUser(db);
    const own = await createAccessToken(db, user);
    const limited = await createAccessToken(db, user, { channelOwnerId: channelOwner.id });
    await check(own.secret);
    await check(limited.secret);
    await db.delete(users).where(eq(users.id, channelOwner.id));
    await cache.settle();
    await unauthorizedMessage(check(limited.secret));
    await db.delete(users).where(eq(users.id, user.id));
    await cache.settle();
    await unauthorizedMessage(check(own.secret));
  });

  it("expires by the clock, with no notification needed", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user, { lifetimeDays: 1 });
    await check(token.secret);
    const tomorrow = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
    expect(await unauthorizedMessage(check(token.secret, testOrigin, tomorrow))).toContain("expired");
    expect((await recordedAuditEvents(db, { action: "token.expired" })).map((event) => event.targetId)).toEqual([token.id]);
  });

  it("records a use from a new address once, and the last use at most once a minute", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    await check(token.secret);
    const elsewhere = { ...testOrigin, ipAddress: "203.0.113.77" };
    await Promise.all([check(token.secret, elsewhere), check(token.secret, elsewhere)]);
    await check(token.secret, elsewhere);
    const events = await recordedAuditEvents(db, { action: "token.used_from_new_ip" });
    expect(events.filter((event) => JSON.stringify(event.details).includes("203.0.113.77"))).toHaveLength(1);
    const [row] = await db.select().from(accessTokens).where(eq(accessTokens.id, token.id));
    expect(row!.lastUsedIp).toBe("203.0.113.77");
    expect(row!.seenIps).toContain("203.0.113.77");
  });

  it("is re-read after the longest time an entry is kept", async () => {
    let now = Date.now();
    const aging = new VerifiedTokenCache<TokenCheckRow>(testDatabaseUrl(), { maxAgeMilliseconds: 1_000, now: () => now, log });
    await aging.start();
    try {
      const user = await createUser(db);
      const token = await createAccessToken(db, user);
      const agingCheck = () => authenticateToken(db, token.secret, testOrigin, { cache: aging });
      expect(await lookupsDuring(agingCheck)).toBe(1);
      expect(await lookupsDuring(agingCheck)).toBe(0);
      now += 1_001;
      expect(await lookupsDuring(agingCheck)).toBe(1);
    } finally {
      await aging.close();
    }
  });
});

describe("the cache's own safety", () => {
  it("does not remember a lookup that was under way when a change was heard of", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    // Another transaction's lock holds the lookup in flight while the change arrives.
    const release = await lockTable(db, accessTokens);
    let pending: Actor | Promise<Actor>;
    try {
      pending = check(token.secret);
      await new Promise((resolve) => setImmediate(resolve));
      cache.forgetUser(user.id);
    } finally {
      await release();
    }
    await pending;
    expect(cache.size).toBe(0);
    expect(await lookupsDuring(() => check(token.secret))).toBe(1);
    expect(cache.size).toBe(1);
  });

  it("keeps nothing while its connection is down, says so once, and starts afresh when it is back", async () => {
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    await check(token.secret);
    expect(cache.size).toBe(1);

    await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'listen "granary_credential_changes"%' and pid <> pg_backend_pid()`);
    await vi.waitFor(() => expect(cache.active).toBe(false), { timeout: 5_000, interval: 5 });
    expect(cache.size).toBe(0);
    expect(await lookupsDuring(() => check(token.secret))).toBe(1);
    expect(await lookupsDuring(() => check(token.secret))).toBe(1);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toContain("Not listening for token revocations");

    await vi.waitFor(() => expect(cache.active).toBe(true), { timeout: 10_000, interval: 20 });
    expect(log).toHaveBeenLastCalledWith("Listening for token revocations and channel changes again.");
    await check(token.secret);
    expect(await lookupsDuring(() => check(token.secret))).toBe(0);
  });

  it("settles at once when it is not listening, and after close", async () => {
    await cache.close();
    await cache.settle();
    const user = await createUser(db);
    const token = await createAccessToken(db, user);
    expect(await lookupsDuring(() => check(token.secret))).toBe(1);
    expect(await lookupsDuring(() => check(token.secret))).toBe(1);
  });
});
