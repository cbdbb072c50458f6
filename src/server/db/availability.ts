/**
 * Whether Granary's database can be reached, as the whole process sees it: the launcher's supervisor of the
 * embedded PostgreSQL, the protocol handler, and Next's tRPC and pages (bundled apart from the launcher, hence
 * one instance kept on globalThis). The first request to meet an unreachable database, or the supervisor seeing
 * PostgreSQL exit, marks it down; one record says so, and one more when it is back. While it is down the launcher
 * answers pages with 503 before Next, and a probe (registered by the launcher) checks every second whether it has
 * come back, which an external PostgreSQL does on its own.
 */
import { isDatabaseUnreachable } from "./errors";

export type AvailabilityListener = (event: { available: boolean; reason: string }) => void;

export interface AvailabilityOptions {
  /** Resolves once a trivial query succeeds. */
  probe(): Promise<void>;
  probeIntervalMs?: number;
  onChange: AvailabilityListener;
}

export class DatabaseAvailability {
  private down = false;
  private outageCount = 0;
  private options: AvailabilityOptions | null = null;
  private probeTimer: NodeJS.Timeout | null = null;

  /** The launcher's probe and its record of the changes; without them the state is only kept. */
  configure(options: AvailabilityOptions | null): void {
    this.options = options;
    if (!options) this.stopProbing();
    else if (this.down) this.startProbing();
  }

  get isDown(): boolean {
    return this.down;
  }

  /** How many times it has gone down since the process started: a request that saw it change lived through an outage. */
  get outages(): number {
    return this.outageCount;
  }

  markDown(reason: string): void {
    if (this.down) return;
    this.down = true;
    this.outageCount += 1;
    this.options?.onChange({ available: false, reason });
    this.startProbing();
  }

  markUp(reason: string): void {
    if (!this.down) return;
    this.down = false;
    this.stopProbing();
    this.options?.onChange({ available: true, reason });
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
  databaseAvailability().markDown(`a request could not reach it (${error instanceof Error ? error.message : String(error)})`);
  return true;
}
