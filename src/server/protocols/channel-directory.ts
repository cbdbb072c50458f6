/**
 * Owner and channel-revision lookups for protocol requests. Measured on this machine (bench/RESULTS.md), the
 * per-request revision query was the largest cost of an answer served from cache, so each process remembers a
 * lookup for a short while (one second by default). The price: a change made through another process (the web
 * app, another server) reaches this process's indexes and downloads up to that long later; uploads through
 * this handler forget the owner at once, so a client that uploads and then installs sees its file.
 */
import type { Db } from "../db";
import type { Actor } from "../authz";
import { findChannel, findDownloadableFile, listGrantedPrivatePackages, type Channel, type DownloadableFile } from "../services/channels";
import { RevisionCache } from "./index-cache";

interface Remembered {
  channel: Promise<Channel | null>;
  until: number;
}

export class ChannelDirectory {
  private readonly remembered = new Map<string, Remembered>();
  /** File rows by place, valid for one channel revision, so a download costs no query of its own. */
  private readonly files = new RevisionCache<DownloadableFile | null>(10_000);
  /** Private packages each signed-in account reaches in a channel, valid for one channel revision. */
  private readonly grantsByAccount = new RevisionCache<ReadonlySet<string>>(10_000);
  /** Queries actually made, for tests and diagnostics. */
  lookups = 0;

  constructor(
    private readonly db: Db,
    private readonly memoMilliseconds = 1_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  find(ownerName: string): Promise<Channel | null> {
    const key = ownerName.toLowerCase();
    const current = this.remembered.get(key);
    if (current && current.until > this.now()) return current.channel;
    this.lookups += 1;
    const channel = findChannel(this.db, ownerName);
    if (this.memoMilliseconds > 0) {
      const entry = { channel, until: this.now() + this.memoMilliseconds };
      this.remembered.delete(key);
      this.remembered.set(key, entry);
      if (this.remembered.size > this.maxEntries) {
        const oldest = this.remembered.keys().next();
        if (!oldest.done) this.remembered.delete(oldest.value);
      }
      channel.catch(() => {
        if (this.remembered.get(key) === entry) this.remembered.delete(key);
      });
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
  grants(channel: Channel, actor: Extract<Actor, { kind: "user" }>): Promise<ReadonlySet<string>> {
    const key = `${channel.ownerId} ${actor.user.id} ${actor.token?.channelOwnerId ?? "*"}`;
    return this.grantsByAccount.get(key, channel.revision, async () => new Set(await listGrantedPrivatePackages(this.db, actor, channel.ownerId)));
  }

  findFile(channel: Channel, where: { subdir: string; filename: string; label?: string }): Promise<DownloadableFile | null> {
    const key = `${channel.ownerId} ${where.subdir} ${where.label ?? "*"} ${where.filename}`;
    return this.files.get(key, channel.revision, () => findDownloadableFile(this.db, { ownerId: channel.ownerId, ...where }));
  }
}
