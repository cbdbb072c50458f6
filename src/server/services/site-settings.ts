import { eq } from "drizzle-orm";
import { siteSettingsSchema, type SiteSettings } from "@/shared/schemas/admin";
import type { AccountType } from "@/shared/schemas/ldap";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { siteSettings } from "../db/schema";
import { recordAudit } from "./audit";

const defaults: SiteSettings = { openRegistration: true, gravatar: false };

/** What every visitor may know: the settings, and where accounts come from (never the directory's settings). */
export type PublicSiteSettings = SiteSettings & { accountType: AccountType };

export async function getSiteSettings(db: Db): Promise<PublicSiteSettings> {
  const rows = await db.select().from(siteSettings);
  const stored = Object.fromEntries(rows.map((row) => [row.key, row.value]));
  return { ...siteSettingsSchema.parse({ ...defaults, ...stored }), accountType: stored.accountType === "ldap" ? "ldap" : "granary" };
}

export async function updateSiteSettings(db: Db, actor: Actor, input: SiteSettings): Promise<PublicSiteSettings> {
  assertCan(actor, "admin:settings:update");
  const before = await getSiteSettings(db);
  await db.transaction(async (tx) => {
    for (const [key, value] of Object.entries(input)) {
      await tx
        .insert(siteSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: siteSettings.key, set: { value, updatedAt: new Date() } });
    }
    await recordAudit(tx, actor, { action: "admin.settings_updated", target: { type: "site" }, details: { before, after: input } });
  });
  return getSiteSettings(db);
}

export async function isRegistrationOpen(db: Db): Promise<boolean> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, "openRegistration"));
  return row ? row.value === true : defaults.openRegistration;
}
