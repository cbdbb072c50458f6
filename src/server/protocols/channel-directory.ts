/**
 * Owner and channel-revision lookups for protocol requests. Measured on this machine (bench/RESULTS.md), the
 * per-request revision query was the largest cost of an answer served from cache, so each process remembers a
 * lookup for a short while (one second by default), and forgets it the moment it hears of a change:
 * - a change made in this process (the web app's services, an upload through this handler) calls
 *   forgetCachedChannel after its commit, which reaches every directory through a registry on globalThis;
 * - a change made by another process reaches it through the change listener: a notification on every move of an
 *   owner's channel revision (migration 0008) and on every change to an account (migration 0003).
 * With a listener, nothing is remembered while its connection is down; without one (tests, benchmarks), changes
 * made elsewhere are seen up to the memo's length later.
 */
import type { Db } from "../db";
import { audienceOfGrants, type Actor, type PackageAudience } from "../authz";
import { channelChangesChannel, credentialChangesChannel, type ChangeListener } from "../services/change-listener";
import { findChannel, findDownloadableFile, listGrantedPrivatePackages, type Channel, type DownloadableFile } from "../services/channels";
import { registerChannelMemory } from "../services/owners";
import { RevisionCache } from "./index-cache";

/**
 * The private packages an account reaches in a channel beyond what the policy knows without asking, and the
 * audience that names that view in the index cache. The audience is worked out once per channel revision: naming
 * it sorts and hashes every reached package, which for a member of an organization's group over all its packages
 * cost a token request on the organization's simple pages a tenth of its time.
 */
export interface ChannelReach {
  grants: ReadonlySet<string>;
  audience: PackageAudience;
}

interface Remembered {
  channel: Promise<Channel | null>;
  until: number;
  /** Known once the lookup has answered; until then a change to any owner forgets the entry. */
  ownerId?: string | null;
  /** The answer, once it has come: what peek returns. */
  found?: { channel: Channel | null };
}

export interface ChannelDirectoryOptions {
  /** How long a lookup is remembered; 0 reads the owner on every request. */
  memoMilliseconds?: number;
  /** The process's change listener: with one, entries are kept only while it listens. */
  changes?: ChangeListener;
  now?: () => number;
  maxEntries?: number;
}

export class ChannelDirectory {
  private readonly remembered = new Map<string, Remembered>();
  /** File rows by place, valid for one channel revision, so a download costs no query of its own. */
  private readonly files = new RevisionCache<DownloadableFile | null>(10_000);
  /** What each signed-in account reaches in a channel, valid for one channel revision. */
  private readonly reachByAccount = new RevisionCache<ChannelReach>(10_000);
  private readonly memoMilliseconds: number;
  private readonly changes: ChangeListener | undefined;
  private readonly now: () => number;
  private readonly maxEntries: number;
  private readonly detach: (() => void)[] = [];
  /** Queries actually made, for tests and diagnostics. */
  lookups = 0;

  constructor(
    private readonly db: Db,
    options: ChannelDirectoryOptions = {},
  ) {
    this.memoMilliseconds = options.memoMilliseconds ?? 1_000;
    this.changes = options.changes;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.detach.push(registerChannelMemory(this));
    if (this.changes) {
      this.detach.push(
        this.changes.subscribe({
          changed: (channel, ownerId) => {
            if (channel === channelChangesChannel || channel === credentialChangesChannel) this.forgetOwner(ownerId);
          },
          reset: () => this.remembered.clear(),
        }),
      );
    }
  }

  private get remembering(): boolean {
    return this.memoMilliseconds > 0 && (!this.changes || this.changes.active);
  }

  /**
   * The remembered answer of find(), when one has come and is still valid, without a promise (undefined otherwise):
   * the protocol handler's fast path. Forgotten exactly when find() would read the database again.
   */
  peek(ownerName: string): Channel | null | undefined {
    const current = this.remembered.get(ownerName.toLowerCase());
    if (!current?.found || current.until <= this.now() || !this.remembering) return undefined;
    return current.found.channel;
  }

  find(ownerName: string): Promise<Channel | null> {
    const key = ownerName.toLowerCase();
    const current = this.remembered.get(key);
    if (current && current.until > this.now() && this.remembering) return current.channel;
    this.lookups += 1;
    const channel = findChannel(this.db, ownerName);
    if (this.remembering) {
      const entry: Remembered = { channel, until: this.now() + this.memoMilliseconds };
      this.remembered.delete(key);
      this.remembered.set(key, entry);
      if (this.remembered.size > this.maxEntries) {
        const oldest = this.remembered.keys().next();
        if (!oldest.done) this.remembered.delete(oldest.value);
      }
      channel.then(
        (found) => {
          entry.ownerId = found?.ownerId ?? null;
          entry.found = { channel: found };
        },
        () => {
          if (this.remembered.get(key) === entry) this.remembered.delete(key);
        },
      );
    }
    return channel;
  }

  /** After a change made here, the next request reads the owner's new revision. */
  forget(ownerName: string): void {
    this.remembered.delete(ownerName.toLowerCase());
  }

  /**
   * The channel's private packages the actor reaches through organizations, groups and collaborations. Access
   * changes move the channel's revision, so an answer kept for a revision stays exact.
   */
  reach(channel: Channel, actor: Extract<Actor, { kind: "user" }>): Promise<ChannelReach> {
    const key = `${channel.ownerId} ${actor.user.id} ${actor.token?.channelOwnerId ?? "*"}`;
    return this.reachByAccount.get(key, channel.revision, async () => {
      const grants = new Set(await listGrantedPrivatePackages(this.db, actor, channel.ownerId));
      return { grants, audience: audienceOfGrants(grants) };
    });
  }

  /**
   * After a change to an owner's channel or account, wherever it was made. A lookup still under way may have read
   * the state before the change, so it goes too.
   */
  forgetOwner(ownerId: string): void {
    for (const [key, entry] of this.remembered) {
      if (entry.ownerId === undefined || entry.ownerId === ownerId) this.remembered.delete(key);
    }
  }

  findFile(channel: Channel, where: { subdir: string; filename: string; label?: string }): Promise<DownloadableFile | null> {
    const key = `${channel.ownerId} ${where.subdir} ${where.label ?? "*"} ${where.filename}`;
    return this.files.get(key, channel.revision, () => findDownloadableFile(this.db, { ownerId: channel.ownerId, ...where }));
  }

  /** Stops hearing of changes; the handler's close() calls it. */
  close(): void {
    for (const detach of this.detach.splice(0)) detach();
    this.remembered.clear();
  }
}
