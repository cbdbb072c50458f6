/**
 * A process's memory of access tokens it has recently verified, so that package clients' requests need no
 * database round trip for their token (bench/RESULTS.md, "Token checks": the round trip, not its cost, held
 * token requests to two thirds of anonymous ones).
 *
 * It stays exact by being told of every change that matters:
 * - PostgreSQL triggers (migration 0003) send a notification on the `granary_credential_changes` channel, with
 *   the user's id, whenever a token is revoked, changes or is deleted, and whenever an account is deactivated,
 *   deleted or changes what a token's actor carries (name, e-mail, site administration). Every process that keeps
 *   tokens listens on its own connection and forgets that user's tokens when the notification arrives, within
 *   milliseconds of the commit, on every app server.
 * - In the process where the change is made, the service that commits it also calls forgetCachedCredentials
 *   before answering, so there the very next request is checked against the database, with no race at all.
 * - Nothing is remembered unless the listening connection is up; when it drops, everything is forgotten and
 *   nothing is remembered until it is back. An entry is also re-read after `maxAgeMilliseconds` whatever happens,
 *   which bounds the damage of a connection that dies without the process noticing.
 * - A lookup that was under way when a change arrived is not remembered: it may have read the state before it.
 * Expiry needs no notification: the remembered expiry time is compared with the clock on every request.
 */
import postgres from "postgres";

export const credentialChangesChannel = "granary_credential_changes";
/** The payload of settle()'s own notifications; user ids (UUIDs) never start with it. */
const settleMarker = "settle:";

/** Every cache in this process, so a service can reach the one the launcher's protocol handler holds. */
const registryKey = Symbol.for("granary.verifiedTokenCaches");
type Registry = Set<VerifiedTokenCache<{ user: { id: string } }>>;
function registry(): Registry {
  const holder = globalThis as { [registryKey]?: Registry };
  holder[registryKey] ??= new Set();
  return holder[registryKey];
}

/**
 * After committing a change to a user's tokens or account: every cache in this process forgets that user's
 * tokens now (others hear of it through the database's notification).
 */
export function forgetCachedCredentials(userId: string): void {
  for (const cache of registry()) cache.forgetUser(userId);
}

export interface VerifiedTokenCacheOptions {
  maxAgeMilliseconds?: number;
  maxEntries?: number;
  now?: () => number;
  log?: (message: string) => void;
}

interface Entry<Row> {
  row: Row;
  storedAt: number;
}

export class VerifiedTokenCache<Row extends { user: { id: string } }> {
  private readonly entries = new Map<string, Entry<Row>>();
  /** Moves on every change heard of, so a lookup that overlapped one is not remembered. */
  private generation = 0;
  private client: postgres.Sql | null = null;
  private listening = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Said once per outage, not at every retry. */
  private reportedDown = false;
  private settleCount = 0;
  private readonly settling = new Map<string, () => void>();
  private readonly maxAgeMilliseconds: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly log: (message: string) => void;

  constructor(
    private readonly databaseUrl: string,
    options: VerifiedTokenCacheOptions = {},
  ) {
    this.maxAgeMilliseconds = options.maxAgeMilliseconds ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    // Ages on the monotonic clock: a step of the wall clock must not keep an entry alive, and Next instruments
    // Date.now in the launcher's process, which costs more on every package request.
    this.now = options.now ?? (() => performance.now());
    this.log = options.log ?? ((message) => console.warn(`[granary] ${message}`));
  }

  /** Starts listening; resolves once notifications are flowing (or rejects, leaving the cache unused). */
  async start(): Promise<void> {
    registry().add(this as unknown as VerifiedTokenCache<{ user: { id: string } }>);
    await this.connect();
  }

  private async connect(): Promise<void> {
    // A connection of its own, not postgres.js's listen(): that one re-listens once after a drop and gives up
    // silently if that fails, and never says it was down. `onnotify` is the option postgres.js's own listen()
    // uses; its typings leave it out, hence the object in a variable.
    const options = {
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      onnotice: () => {},
      onnotify: (channel: string, payload: string) => {
        if (channel !== credentialChangesChannel) return;
        if (payload.startsWith(settleMarker)) this.settled(payload);
        else this.forgetUser(payload);
      },
      onclose: () => this.connectionLost(client),
    };
    const client = postgres(this.databaseUrl, options);
    this.client = client;
    try {
      await client.unsafe(`listen "${credentialChangesChannel}"`);
    } catch (error) {
      this.connectionLost(client);
      throw error;
    }
    if (this.client !== client || this.closed) return;
    // Whatever changed while nobody listened is unknown: start afresh.
    this.forgetAll();
    this.listening = true;
    if (this.reportedDown) this.log("Listening for token revocations again.");
    this.reportedDown = false;
  }

  private connectionLost(client: postgres.Sql): void {
    if (this.client !== client) return;
    this.listening = false;
    this.forgetAll();
    this.client = null;
    void client.end({ timeout: 1 }).catch(() => {});
    if (this.closed || this.reconnectTimer) return;
    if (!this.reportedDown) this.log("Not listening for token revocations (no connection); tokens are checked in the database until it is back.");
    this.reportedDown = true;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => {});
    }, 1_000);
    this.reconnectTimer.unref();
  }

  /**
   * Resolves once every change committed before the call has been heard of. Notifications arrive in commit order,
   * so hearing one's own, sent after them, is proof. For code (and tests) that change rows directly rather than
   * through the services, which forget what they change themselves. If it is not heard within the timeout, the
   * cache forgets everything instead.
   */
  async settle(timeoutMilliseconds = 5_000): Promise<void> {
    const client = this.client;
    if (!client || !this.listening) return;
    const marker = `${settleMarker}${++this.settleCount}`;
    const heard = new Promise<void>((resolve) => this.settling.set(marker, resolve));
    const timer = setTimeout(() => {
      this.forgetAll();
      this.settled(marker);
    }, timeoutMilliseconds);
    try {
      await client`select pg_notify(${credentialChangesChannel}, ${marker})`;
      await heard;
    } catch {
      this.forgetAll();
      this.settled(marker);
    } finally {
      clearTimeout(timer);
    }
  }

  private settled(marker: string): void {
    this.settling.get(marker)?.();
    this.settling.delete(marker);
  }

  /** Whether entries are being kept at all (the listening connection is up). */
  get active(): boolean {
    return this.listening;
  }

  /** Call before looking a token up; pass the result to `remember`. */
  beginLookup(): number {
    return this.generation;
  }

  /** The remembered row for this hash, if any and young enough. */
  recall(secretHash: string): Row | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(secretHash);
    if (!entry) return undefined;
    if (this.now() - entry.storedAt > this.maxAgeMilliseconds) {
      this.entries.delete(secretHash);
      return undefined;
    }
    return entry.row;
  }

  /** Remembers a row read from the database, unless a change was heard of since the lookup began. */
  remember(secretHash: string, row: Row, lookupGeneration: number): void {
    if (!this.listening || lookupGeneration !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(secretHash, { row, storedAt: this.now() });
  }

  forgetUser(userId: string): void {
    this.generation += 1;
    for (const [secretHash, entry] of this.entries) if (entry.row.user.id === userId) this.entries.delete(secretHash);
  }

  forgetAll(): void {
    this.generation += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    for (const marker of [...this.settling.keys()]) this.settled(marker);
    registry().delete(this as unknown as VerifiedTokenCache<{ user: { id: string } }>);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.forgetAll();
    const client = this.client;
    this.client = null;
    await client?.end({ timeout: 2 });
  }
}
