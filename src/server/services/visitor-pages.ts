/**
 * What pages show visitors who are not signed in is cached in Next's data cache (src/trpc/visitor-cache.ts) under
 * this process's visitor generation: a number that moves on every change that could alter it, so that an entry
 * read before a change is never read again after it. It moves
 * - in this process, as soon as a change has committed: every service that changes what a channel or an owner
 *   shows calls forgetCachedChannel (services/owners.ts) after its commit, on whichever path it came (pages, tRPC,
 *   the protocol handler's uploads, jobs), and this generation is one of the memories that call reaches;
 * - on every notification the change listener hears (a channel revision moved, a credential or an account changed,
 *   a setting changed, a platform restart), which is how every other app server hears of a change within
 *   milliseconds of its commit: each server's Next data cache is its own (in memory, per process), and each moves
 *   its own generation;
 * - whenever the listening connection drops or comes back, since changes may have gone unheard meanwhile;
 * - when a site setting that visitors' pages show changes (where accounts come from, open registration):
 *   forgetVisitorPagesForSetting, in the setting's transaction, notifies every server, and forgetVisitorPages after
 *   the commit moves this process's at once.
 * While the listener is not listening there is no generation at all and visitors' pages read the database, as
 * signed-in views always do. What does not move a channel revision (download counts, stars) may be up to the
 * cache's lifetime old.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db";
import { settingsChangesChannel, type ChangeListener } from "./change-listener";
import { registerChannelMemory } from "./owners";

/** The one generation of this process: Next's server bundle has its own copy of this module, the launcher another. */
const registryKey = Symbol.for("granary.visitorPages");
function registry(): Set<VisitorPages> {
  const holder = globalThis as { [registryKey]?: Set<VisitorPages> };
  holder[registryKey] ??= new Set();
  return holder[registryKey];
}

export class VisitorPages {
  private generation = 0;
  private unsubscribe: (() => void) | null = null;
  private forgetChannels: (() => void) | null = null;

  constructor(private readonly listener: ChangeListener) {}

  /** Subscribes to the listener (which the caller starts and closes) and becomes this process's generation. */
  start(): void {
    this.unsubscribe ??= this.listener.subscribe({ changed: () => this.forget(), reset: () => this.forget() });
    this.forgetChannels ??= registerChannelMemory({ forgetOwner: () => this.forget() });
    registry().add(this);
  }

  /** The generation to cache under, or null while changes could go unheard (nothing may be cached then). */
  get current(): number | null {
    return this.unsubscribe !== null && this.listener.active ? this.generation : null;
  }

  forget(): void {
    this.generation += 1;
  }

  close(): void {
    registry().delete(this);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.forgetChannels?.();
    this.forgetChannels = null;
    this.forget();
  }
}

/** This process's visitor generation, or null when nothing may be cached (no listener, or it is not listening). */
export function currentVisitorGeneration(): number | null {
  for (const pages of registry()) {
    const generation = pages.current;
    if (generation !== null) return generation;
  }
  return null;
}

/**
 * In the transaction that changes a site setting visitors' pages show: every server hears of it on commit (the
 * settings channel, which also makes them read the site's mode again).
 */
export async function forgetVisitorPagesForSetting(tx: Db, key: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${settingsChangesChannel}, ${key})`);
}

/** After that transaction has committed: this process stops using what it kept at once. */
export function forgetVisitorPages(): void {
  for (const pages of registry()) pages.forget();
}
