/**
 * Read-only mode (Warehouse's): while an administrator has it on, the two gates every change passes (the tRPC
 * middleware and the protocol handler) refuse what the policy module lists (authz `assertWritable`), and every
 * page shows a banner. The flag lives in site_settings; each process remembers it in a `SiteModeCache`, which
 * forgets it when the service that changes it notifies (`granary_settings_changes`, heard by every app server
 * within milliseconds of the commit), when a platform restart is heard of, and whenever the listening connection
 * drops. A value changed behind the service's back (psql, a restore) is read again after a platform restart, or
 * after `maxAgeMilliseconds` at the latest.
 */
import { eq, sql } from "drizzle-orm";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { siteSettings } from "../db/schema";
import { recordAudit } from "./audit";
import { settingsChangesChannel, type ChangeListener } from "./change-listener";

export const readOnlySettingKey = "readOnly";

export interface SiteMode {
  readOnly: boolean;
  /** When read-only mode was turned on; null while it is off. */
  since: Date | null;
}

async function readSiteMode(db: Db): Promise<SiteMode> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, readOnlySettingKey));
  return row?.value === true ? { readOnly: true, since: row.updatedAt } : { readOnly: false, since: null };
}

/** Every cache in this process: Next's server bundle has its own copy of this module, the launcher another. */
const registryKey = Symbol.for("granary.siteModeCaches");
function registry(): Set<SiteModeCache> {
  const holder = globalThis as { [registryKey]?: Set<SiteModeCache> };
  holder[registryKey] ??= new Set();
  return holder[registryKey];
}

export class SiteModeCache {
  private value: { mode: SiteMode; storedAt: number } | null = null;
  /** Moves on every change heard of, so a read that overlapped one is not remembered. */
  private generation = 0;
  private unsubscribe: (() => void) | null = null;
  private readonly maxAgeMilliseconds: number;

  constructor(
    private readonly listener: ChangeListener,
    options: { maxAgeMilliseconds?: number } = {},
  ) {
    this.maxAgeMilliseconds = options.maxAgeMilliseconds ?? 60_000;
  }

  /** Subscribes to the listener (which the caller starts and closes) and becomes this process's cache. */
  start(): void {
    this.unsubscribe ??= this.listener.subscribe({
      changed: (channel) => {
        if (channel === settingsChangesChannel) this.forget();
      },
      reset: () => this.forget(),
    });
    registry().add(this);
  }

  get active(): boolean {
    return this.unsubscribe !== null && this.listener.active;
  }

  async get(db: Db): Promise<SiteMode> {
    const remembered = this.value;
    if (remembered && this.active && performance.now() - remembered.storedAt <= this.maxAgeMilliseconds) return remembered.mode;
    const generation = this.generation;
    const mode = await readSiteMode(db);
    if (generation === this.generation && this.active) this.value = { mode, storedAt: performance.now() };
    return mode;
  }

  forget(): void {
    this.generation += 1;
    this.value = null;
  }

  close(): void {
    registry().delete(this);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.forget();
  }
}

/** The site's mode, from this process's cache while it listens, else from the database. */
export async function currentSiteMode(db: Db): Promise<SiteMode> {
  for (const cache of registry()) if (cache.active) return cache.get(db);
  return readSiteMode(db);
}

export async function isSiteReadOnly(db: Db): Promise<boolean> {
  return (await currentSiteMode(db)).readOnly;
}

/** Every cache in this process forgets the mode now (other processes hear the notification). */
function forgetCachedSiteMode(): void {
  for (const cache of registry()) cache.forget();
}

export async function setReadOnly(db: Db, actor: Actor, input: { readOnly: boolean }): Promise<SiteMode> {
  assertCan(actor, "admin:platform:update");
  const before = await readSiteMode(db);
  if (before.readOnly !== input.readOnly) {
    await db.transaction(async (tx) => {
      await tx
        .insert(siteSettings)
        .values({ key: readOnlySettingKey, value: input.readOnly })
        .onConflictDoUpdate({ target: siteSettings.key, set: { value: input.readOnly, updatedAt: new Date() } });
      await recordAudit(tx, actor, { action: input.readOnly ? "admin.read_only_enabled" : "admin.read_only_disabled", target: { type: "site" } });
      // Delivered on commit, to every app server's listener.
      await tx.execute(sql`select pg_notify(${settingsChangesChannel}, ${readOnlySettingKey})`);
    });
  }
  forgetCachedSiteMode();
  return readSiteMode(db);
}
