/**
 * A process's memory of access tokens it has recently verified, so that package clients' requests need no
 * database round trip for their token (bench/RESULTS.md, "Token checks": the round trip, not its cost, held
 * token requests to two thirds of anonymous ones).
 *
 * It stays exact by being told of every change that matters:
 * - PostgreSQL triggers (migration 0003) send a notification on the `granary_credential_changes` channel, with
 *   the user's id, whenever a token is revoked, changes or is deleted, and whenever an account is deactivated,
 *   deleted or changes what a token's actor carries (name, e-mail, site administration). The process's change
 *   listener (change-listener.ts) hears it on its own connection within milliseconds of the commit, on every app
 *   server, and the cache forgets that user's tokens.
 * - In the process where the change is made, the service that commits it also calls forgetCachedCredentials
 *   before answering, so there the very next request is checked against the database, with no race at all.
 * - Nothing is remembered unless the listening connection is up; when it drops, everything is forgotten and
 *   nothing is remembered until it is back. An entry is also re-read after `maxAgeMilliseconds` whatever happens,
 *   which bounds the damage of a connection that dies without the process noticing.
 * - A lookup that was under way when a change arrived is not remembered: it may have read the state before it.
 * Expiry needs no notification: the remembered expiry time is compared with the clock on every request.
 */
import { ChangeListener, credentialChangesChannel } from "./change-listener";

export { credentialChangesChannel } from "./change-listener";

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
  private closed = false;
  private readonly listener: ChangeListener;
  /** Whether the listener is this cache's own, started and closed with it. */
  private readonly ownsListener: boolean;
  private unsubscribe: (() => void) | null = null;
  private readonly maxAgeMilliseconds: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  /** Listens through the process's change listener, or through one of its own made for the database URL. */
  constructor(listenerOrDatabaseUrl: ChangeListener | string, options: VerifiedTokenCacheOptions = {}) {
    this.ownsListener = typeof listenerOrDatabaseUrl === "string";
    this.listener = typeof listenerOrDatabaseUrl === "string" ? new ChangeListener(listenerOrDatabaseUrl, { log: options.log }) : listenerOrDatabaseUrl;
    this.maxAgeMilliseconds = options.maxAgeMilliseconds ?? 10_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    // Ages on the monotonic clock: a step of the wall clock must not keep an entry alive, and Next instruments
    // Date.now in the launcher's process, which costs more on every package request.
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts listening; resolves once notifications are flowing (or rejects, leaving the cache unused). */
  async start(): Promise<void> {
    registry().add(this as unknown as VerifiedTokenCache<{ user: { id: string } }>);
    this.unsubscribe ??= this.listener.subscribe({
      changed: (channel, userId) => {
        if (channel === credentialChangesChannel) this.forgetUser(userId);
      },
      reset: () => this.forgetAll(),
    });
    await this.listener.start();
  }

  /** See ChangeListener.settle: resolves once every change committed before the call has been heard of. */
  async settle(timeoutMilliseconds = 5_000): Promise<void> {
    if (this.closed) return;
    await this.listener.settle(timeoutMilliseconds);
  }

  /** Whether entries are being kept at all (the listening connection is up). */
  get active(): boolean {
    return !this.closed && this.listener.active;
  }

  /** Call before looking a token up; pass the result to `remember`. */
  beginLookup(): number {
    return this.generation;
  }

  /** The remembered row for this hash, if any and young enough. */
  recall(secretHash: string): Row | undefined {
    if (!this.active) return undefined;
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
    if (!this.active || lookupGeneration !== this.generation) return;
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
    registry().delete(this as unknown as VerifiedTokenCache<{ user: { id: string } }>);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.forgetAll();
    if (this.ownsListener) await this.listener.close();
  }
}
