/**
 * "Restart the platform" (seed 003): every app server reloads what it keeps in memory (the site's mode, verified
 * tokens, channel revisions, and whatever registers with `onPlatformReload`, such as installed applications) in
 * place, without stopping: no request is dropped, since none is ever refused or queued for it. The request is a
 * row and a notification on `granary_platform_restart`; each server's `PlatformReloader` hears it on the process's
 * change listener, reloads, and records that it did, so the Actions page can say "server X reloaded at T".
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { desc, eq, sql } from "drizzle-orm";
import { assertCan, type Actor, actorLabel } from "../authz";
import type { Db } from "../db";
import { platformRestarts, platformServerReloads } from "../db/schema";
import { recordAudit } from "./audit";
import { platformRestartChannel, type ChangeListener } from "./change-listener";

/** Given the reloading server's database, since whatever registered may have read another one first (a test's, long closed). */
type ReloadHook = (db: Db) => void | Promise<void>;

/** Shared by every copy of this module in the process (the launcher's and Next's server bundle). */
const hooksKey = Symbol.for("granary.platformReloadHooks");
function reloadHooks(): Set<ReloadHook> {
  const holder = globalThis as { [hooksKey]?: Set<ReloadHook> };
  holder[hooksKey] ??= new Set();
  return holder[hooksKey];
}

/** Runs `hook` on every platform restart this process hears of; returns the function that removes it. */
export function onPlatformReload(hook: ReloadHook): () => void {
  reloadHooks().add(hook);
  return () => reloadHooks().delete(hook);
}

export class PlatformReloader {
  readonly serverId = randomUUID();
  readonly serverLabel = `${os.hostname()}:${process.pid}`;
  private unsubscribe: (() => void) | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private readonly log: (message: string) => void;

  constructor(
    private readonly listener: ChangeListener,
    private readonly db: Db,
    options: { log?: (message: string) => void } = {},
  ) {
    this.log = options.log ?? ((message) => console.warn(`[granary] ${message}`));
  }

  /** Subscribes to the listener, which the caller starts and closes. */
  start(): void {
    this.unsubscribe ??= this.listener.subscribe({
      changed: (channel, restartId) => {
        if (channel !== platformRestartChannel) return;
        // One reload at a time, in the order they were asked for.
        this.reloading = this.reloading.then(() => this.reload(restartId)).catch((error: unknown) => {
          this.log(`Reloading for the platform restart ${restartId} failed: ${error instanceof Error ? error.message : String(error)}`);
        });
      },
      reset: () => {},
    });
  }

  /** Resolves once the reloads heard of so far are done. */
  idle(): Promise<void> {
    return this.reloading;
  }

  private async reload(restartId: string): Promise<void> {
    // Caches read afresh on their next use; requests meanwhile read the database, as with no listener at all.
    this.listener.forgetAll();
    for (const hook of reloadHooks()) await hook(this.db);
    await this.db.insert(platformServerReloads).values({ restartId, serverId: this.serverId, serverLabel: this.serverLabel }).onConflictDoNothing();
    this.log(`Reloaded the settings for the platform restart ${restartId}.`);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

export async function restartPlatform(db: Db, actor: Actor): Promise<{ restartId: string }> {
  assertCan(actor, "admin:platform:update");
  const restartId = await db.transaction(async (tx) => {
    const [restart] = await tx
      .insert(platformRestarts)
      .values({ requestedByUserId: actor.kind === "user" ? actor.user.id : null, requestedByLabel: actorLabel(actor) })
      .returning({ id: platformRestarts.id });
    await recordAudit(tx, actor, { action: "admin.platform_restarted", target: { type: "platform", id: restart!.id } });
    // Delivered on commit, to every app server's listener.
    await tx.execute(sql`select pg_notify(${platformRestartChannel}, ${restart!.id})`);
    return restart!.id;
  });
  return { restartId };
}

export interface PlatformRestartView {
  id: string;
  requestedAt: Date;
  requestedBy: string;
  servers: Array<{ serverLabel: string; reloadedAt: Date }>;
}

/** The latest restart and the servers that answered it. */
export async function latestPlatformRestart(db: Db): Promise<PlatformRestartView | null> {
  const [restart] = await db.select().from(platformRestarts).orderBy(desc(platformRestarts.requestedAt)).limit(1);
  if (!restart) return null;
  const servers = await db
    .select({ serverLabel: platformServerReloads.serverLabel, reloadedAt: platformServerReloads.reloadedAt })
    .from(platformServerReloads)
    .where(eq(platformServerReloads.restartId, restart.id))
    .orderBy(platformServerReloads.reloadedAt);
  return { id: restart.id, requestedAt: restart.requestedAt, requestedBy: restart.requestedByLabel, servers };
}
