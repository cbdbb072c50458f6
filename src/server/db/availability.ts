/**
 * Whether Granary's database can be reached, as the whole process sees it: the launcher's supervisor of the
 * embedded PostgreSQL, the protocol handler, and Next's tRPC and pages (bundled apart from the launcher, hence
 * one instance kept on globalThis). The supervisor seeing PostgreSQL exit marks it down; so does a request meeting
 * an unreachable database, once a probe of its own fails too (a pool's connection from before an outage fails once
 * after the database is back, and marking it down for each of those answered pages 503 for fifteen seconds after a
 * restart). One record says it is down, and one more when it is back. While it is down the launcher
 * answers pages with 503 before Next, and a probe (registered by the launcher) checks every second whether it has
 * come back, which an external PostgreSQL does on its own. When it is back, and whenever a request met an ended
 * connection while the database answers, every pool is refreshed (client.ts): what its connections remember of the
 * sessions the server ended is spent then, not on a request long after.
 */
import { isDatabaseBusy, isDatabaseUnreachable } from "./errors";

export type AvailabilityListener = (event: { available: boolean; reason: string }) => void;

export interface AvailabilityOptions {
  /** Resolves once a trivial query succeeds. */
  probe(): Promise<void>;
  probeIntervalMs?: number;
  onChange: AvailabilityListener;
}

/** Makes a pool's connections forget the sessions the server ended (client.ts); never rejects. */
export type ConnectionRefresher = () => Promise<void>;

export class DatabaseAvailability {
  private down = false;
  private disruptionCount = 0;
  private confirmation: Promise<void> | null = null;
  private options: AvailabilityOptions | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly refreshers = new Set<ConnectionRefresher>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;

  /** The launcher's probe and its record of the changes; without them the state is only kept. */
  configure(options: AvailabilityOptions | null): void {
    this.options = options;
    if (!options) this.stopProbing();
    else if (this.down) this.startProbing();
  }

  get isDown(): boolean {
    return this.down;
  }

  /**
   * How many requests have met an unreachable database or one out of connections (and outages begun) since the
   * process started: a request that saw it change failed for the database, even when the database was back by then.
   */
  get disruptions(): number {
    return this.disruptionCount;
  }

  /**
   * A request met an unreachable database: marked down if the probe fails too (at once without a probe). If the probe
   * succeeds, what failed was a connection the server had ended: the pools are refreshed.
   */
  suspect(reason: string): void {
    this.disruptionCount += 1;
    if (this.down || this.confirmation) return;
    if (!this.options) return this.markDown(reason);
    this.confirmation = this.options
      .probe()
      .then(
        () => this.refreshConnections(),
        () => this.markDown(reason),
      )
      .finally(() => {
        this.confirmation = null;
      });
  }

  /** Registers a pool to refresh after an outage or an ended connection; returns the function that unregisters it. */
  addConnectionRefresher(refresh: ConnectionRefresher): () => void {
    this.refreshers.add(refresh);
    return () => this.refreshers.delete(refresh);
  }

  /** Resolves once the probe under way, and the refresh it or an outage's end started, are over. */
  async settled(): Promise<void> {
    await this.confirmation;
    await this.refreshing;
  }

  private refreshConnections(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = Promise.all([...this.refreshers].map((refresh) => refresh())).then(() => {
      this.refreshing = null;
      if (!this.refreshAgain) return;
      this.refreshAgain = false;
      this.refreshConnections();
    });
  }

  /**
   * A request was refused a connection (PostgreSQL's "too many clients"): the server is busy, not away, so nothing is
   * marked down, but a page failing for it leaves as a 503 (unavailable.ts).
   */
  noteBusy(): void {
    this.disruptionCount += 1;
  }

  markDown(reason: string): void {
    this.disruptionCount += 1;
    if (this.down) return;
    this.down = true;
    this.options?.onChange({ available: false, reason });
    this.startProbing();
  }

  markUp(reason: string): void {
    if (!this.down) return;
    this.down = false;
    this.stopProbing();
    this.options?.onChange({ available: true, reason });
    this.refreshConnections();
  }

  private startProbing(): void {
    if (this.probeTimer || !this.options) return;
    const interval = this.options.probeIntervalMs ?? 1000;
    const tick = () => {
      this.probeTimer = null;
      if (!this.down || !this.options) return;
      this.options.probe().then(
        () => this.markUp("a query succeeded again"),
        () => {
          if (this.down && this.options && !this.probeTimer) this.probeTimer = setTimeout(tick, interval).unref();
        },
      );
    };
    this.probeTimer = setTimeout(tick, interval).unref();
  }

  private stopProbing(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }
}

const globalForAvailability = globalThis as unknown as { granaryDatabaseAvailability?: DatabaseAvailability };

export function databaseAvailability(): DatabaseAvailability {
  globalForAvailability.granaryDatabaseAvailability ??= new DatabaseAvailability();
  return globalForAvailability.granaryDatabaseAvailability;
}

/**
 * For error paths: whether `error` says the database cannot be reached; if so the process hears of it (one record,
 * a probe) and the caller answers 503 instead of recording an exception.
 */
export function noteIfDatabaseUnreachable(error: unknown): boolean {
  if (!isDatabaseUnreachable(error)) return false;
  databaseAvailability().suspect(`a request could not reach it (${error instanceof Error ? error.message : String(error)})`);
  return true;
}

/**
 * For error paths: whether `error` is PostgreSQL refusing a connection for having too many (53300); if so the caller
 * answers 503 with Retry-After (databaseBusyMessage) instead of recording an exception, and a page that failed for
 * it, which Next answers 500, leaves the launcher as a 503.
 */
export function noteIfDatabaseBusy(error: unknown): boolean {
  if (!isDatabaseBusy(error)) return false;
  databaseAvailability().noteBusy();
  return true;
}
