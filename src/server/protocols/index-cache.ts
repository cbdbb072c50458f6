/**
 * Built indexes (repodata, channeldata, simple pages) kept in memory with their encoded bytes. An entry is valid
 * for one channel revision of its owner: every change to what an index shows bumps the revision (see
 * bumpChannelRevision), so a request costs one revision lookup and the index is rebuilt only after a change.
 * Concurrent requests for the same stale entry share one build.
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { compressBzip2 } from "./bzip2";
import { httpDate } from "./http";

const gzip = promisify(zlib.gzip);

export interface IndexDocument {
  kind: "document";
  contentType: string;
  body: Buffer;
  gzip: Buffer;
  /** Strong ETag of the identity body; encoded variants append their coding, as representations must differ. */
  etag: string;
  lastModified: Date;
  lastModifiedHeader: string;
  /** Made on first request only: few clients ask for bzip2. Null when no bzip2 encoder is available. */
  bzip2?: Promise<Buffer | null>;
}

/** A cached answer that is not a document: nothing the actor may see there. */
export type IndexEntry = IndexDocument | { kind: "missing" };

export function variantEtag(document: IndexDocument, coding: "identity" | "gzip" | "bzip2"): string {
  return coding === "identity" ? document.etag : `${document.etag.slice(0, -1)}-${coding}"`;
}

export async function makeDocument(body: string | Buffer, contentType: string, lastModified: Date): Promise<IndexDocument> {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const digest = createHash("sha256").update(bytes).digest("base64url").slice(0, 32);
  // Last-Modified has one-second resolution; rounding down keeps If-Modified-Since comparisons exact.
  const seconds = new Date(Math.floor(lastModified.getTime() / 1000) * 1000);
  return {
    kind: "document",
    contentType,
    body: bytes,
    gzip: await gzip(bytes, { level: 6 }),
    etag: `"${digest}"`,
    lastModified: seconds,
    lastModifiedHeader: httpDate(seconds),
  };
}

export function bzip2Of(document: IndexDocument): Promise<Buffer | null> {
  document.bzip2 ??= compressBzip2(document.body);
  return document.bzip2;
}

interface Slot<Value> {
  revision: number;
  entry: Promise<Value>;
  /** The built value once the build has succeeded, for answers that need no promise (peek). */
  built?: { value: Value };
}

/**
 * Values that stay valid for one channel revision: built indexes, and the file rows downloads look up. Least
 * recently used entries are evicted past `maxEntries`.
 */
export class RevisionCache<Value> {
  private readonly slots = new Map<string, Slot<Value>>();
  /** Index builds actually run, and requests answered from memory: tests and diagnostics read these. */
  builds = 0;
  hits = 0;
  private lastPeeked: string | undefined;

  constructor(private readonly maxEntries = 2_000) {}

  /**
   * The value built for this revision, when its build has finished: the protocol handler's fast path answers from
   * it without a promise. Undefined (nothing counted) when there is none yet, or only an older revision's.
   */
  peek(key: string, revision: number): Value | undefined {
    const slot = this.slots.get(key);
    if (!slot?.built || slot.revision !== revision) return undefined;
    this.hits += 1;
    // Clients ask for the same index again and again: it is moved to the recent end only when another came between.
    if (key !== this.lastPeeked) {
      this.slots.delete(key);
      this.slots.set(key, slot);
      this.lastPeeked = key;
    }
    return slot.built.value;
  }

  async get(key: string, revision: number, build: () => Promise<Value>): Promise<Value> {
    const slot = this.slots.get(key);
    if (slot && slot.revision === revision) {
      this.hits += 1;
      // Re-inserting keeps the map in least-recently-used order for eviction.
      this.slots.delete(key);
      this.slots.set(key, slot);
      return slot.entry;
    }
    this.builds += 1;
    // A request that read its revision just before a change must not replace the newer entry with an older one.
    if (slot && slot.revision > revision) return build();
    const entry = build();
    const fresh: Slot<Value> = { revision, entry };
    this.slots.delete(key);
    this.slots.set(key, fresh);
    while (this.slots.size > this.maxEntries) {
      const oldest = this.slots.keys().next();
      if (oldest.done) break;
      this.slots.delete(oldest.value);
    }
    entry.then(
      (value) => {
        fresh.built = { value };
      },
      () => {
        // A failed build must not be served again: the next request retries.
        if (this.slots.get(key) === fresh) this.slots.delete(key);
      },
    );
    return entry;
  }

  clear(): void {
    this.slots.clear();
  }
}

export class IndexCache extends RevisionCache<IndexEntry> {}
