/**
 * Admin → General: the site URL (e-mailed links), the static URL (where index pages send clients for package
 * files) and the access new packages start with, kept in site_settings beside the other site settings.
 */
import { inArray } from "drizzle-orm";
import { env, publicUrl } from "@/env";
import { defaultHashWarningPercent, generalSettingsSchema, type GeneralSettings, type GeneralSettingsInput, type PackageAccess } from "@/shared/schemas/site-general";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { siteSettings } from "../db/schema";
import { recordAudit } from "./audit";

const generalDefaults: GeneralSettings = { siteUrl: "", staticUrl: "", defaultPackageAccess: "public", hashWarningPercent: defaultHashWarningPercent };
const generalKeys = Object.keys(generalDefaults) as (keyof GeneralSettings)[];

/** What is stored, with defaults for what is not; a value that no longer validates counts as unset. */
export async function readGeneralSettings(db: Db): Promise<GeneralSettings> {
  const rows = await db.select().from(siteSettings).where(inArray(siteSettings.key, generalKeys));
  const stored = Object.fromEntries(rows.map((row) => [row.key, row.value]));
  const settings = { ...generalDefaults };
  for (const key of generalKeys) {
    const parsed = generalSettingsSchema.shape[key].safeParse(stored[key] ?? generalDefaults[key]);
    if (parsed.success) Object.assign(settings, { [key]: parsed.data });
  }
  return settings;
}

export interface GeneralSettingsView extends GeneralSettings {
  /** PUBLIC_URL, when the environment sets it: it wins over the stored site URL, which the page then shows as such. */
  siteUrlFromEnvironment: string | null;
  /** The address e-mailed links use now. */
  effectiveSiteUrl: string;
}

export async function getGeneralSettings(db: Db, actor: Actor): Promise<GeneralSettingsView> {
  assertCan(actor, "admin:settings:update");
  const settings = await readGeneralSettings(db);
  return { ...settings, siteUrlFromEnvironment: env.PUBLIC_URL ? publicUrl() : null, effectiveSiteUrl: effectiveSiteUrl(settings) };
}

export async function updateGeneralSettings(db: Db, actor: Actor, input: GeneralSettingsInput): Promise<GeneralSettingsView> {
  assertCan(actor, "admin:settings:update");
  const after = generalSettingsSchema.parse(input);
  const before = await readGeneralSettings(db);
  await db.transaction(async (tx) => {
    for (const key of generalKeys) {
      await tx
        .insert(siteSettings)
        .values({ key, value: after[key] })
        .onConflictDoUpdate({ target: siteSettings.key, set: { value: after[key], updatedAt: new Date() } });
    }
    await recordAudit(tx, actor, { action: "admin.settings_updated", target: { type: "site", label: "general" }, details: { before, after } });
  });
  if (before.staticUrl !== after.staticUrl) forgetStaticUrl();
  return getGeneralSettings(db, actor);
}

function effectiveSiteUrl(settings: Pick<GeneralSettings, "siteUrl">): string {
  if (env.PUBLIC_URL) return publicUrl();
  return settings.siteUrl || publicUrl();
}

/** The address e-mailed links start with: PUBLIC_URL, else the stored site URL, else http://localhost:PORT. */
export async function siteUrl(db: Db): Promise<string> {
  if (env.PUBLIC_URL) return publicUrl();
  return effectiveSiteUrl(await readGeneralSettings(db));
}

/** Whether a package created without an explicit choice starts private. */
export async function defaultPackageAccess(db: Db): Promise<PackageAccess> {
  return (await readGeneralSettings(db)).defaultPackageAccess;
}

// ---------------------------------------------------------------------------------------------- static URL

/** What a process remembers of the static URL (the protocol handler's); the setting's update makes it forget. */
interface StaticUrlMemory {
  forget(): void;
}

/** On globalThis: the web app's services run in Next's bundle and the protocol handler in the launcher's. */
const staticUrlMemoriesKey = Symbol.for("granary.staticUrlMemories");
function staticUrlMemories(): Set<StaticUrlMemory> {
  const holder = globalThis as { [staticUrlMemoriesKey]?: Set<StaticUrlMemory> };
  holder[staticUrlMemoriesKey] ??= new Set();
  return holder[staticUrlMemoriesKey];
}

function forgetStaticUrl(): void {
  for (const memory of staticUrlMemories()) memory.forget();
}

/**
 * The static URL as index requests read it: remembered for a short while (a second by default) so a request costs
 * no query of its own. A change made in this process is seen at once; one made by another app server within the
 * memo's length. The index cache keys carry the value, so pages built for the old one are never served again.
 */
interface RememberedStaticUrl {
  value: Promise<string | null>;
  until: number;
  /** The value once read: what peek returns. */
  settled?: { value: string | null };
}

export class StaticUrlSetting implements StaticUrlMemory {
  private remembered: RememberedStaticUrl | null = null;
  private readonly detach: () => void;

  constructor(
    private readonly db: Db,
    private readonly memoMilliseconds = 1_000,
    private readonly now: () => number = Date.now,
  ) {
    staticUrlMemories().add(this);
    this.detach = () => staticUrlMemories().delete(this);
  }

  /** The static URL without a trailing slash, or null when files are served by Granary itself. */
  current(): Promise<string | null> {
    if (this.remembered && this.remembered.until > this.now()) return this.remembered.value;
    const value = readGeneralSettings(this.db).then((settings) => settings.staticUrl || null);
    const entry: RememberedStaticUrl = { value, until: this.now() + this.memoMilliseconds };
    this.remembered = this.memoMilliseconds > 0 ? entry : null;
    value.then(
      (settled) => {
        entry.settled = { value: settled };
      },
      () => {
        if (this.remembered === entry) this.remembered = null;
      },
    );
    return value;
  }

  /** The remembered value when it has been read and is still valid, without a promise; undefined otherwise. */
  peek(): string | null | undefined {
    const remembered = this.remembered;
    if (!remembered?.settled || remembered.until <= this.now()) return undefined;
    return remembered.settled.value;
  }

  forget(): void {
    this.remembered = null;
  }

  close(): void {
    this.detach();
    this.remembered = null;
  }
}
