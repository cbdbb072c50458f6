/**
 * Admin → General's effective configuration: every setting of src/env.ts and every stored site setting, with where
 * its value comes from, as the seed's config files show them. Secrets never leave this module in clear: secret
 * settings, stored values whose names say they are secrets, and passwords inside URLs are all `******`.
 */
import { asc } from "drizzle-orm";
import { describeEnvironment, secretEnvironmentNames } from "@/env";
import { defaultHashWarningPercent } from "@/shared/schemas/site-general";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { siteSettings } from "../db/schema";

export const maskedValue = "******";

export type SettingSource = "environment" | "database" | "default";

export interface EffectiveSetting {
  name: string;
  /** The value as shown: masked when secret, JSON for structured values, "(unset)" when there is none. */
  value: string;
  source: SettingSource;
  secret: boolean;
}

export interface EffectiveConfiguration {
  environment: EffectiveSetting[];
  stored: EffectiveSetting[];
}

/** Stored settings the code knows, with the value each has until an administrator stores one. */
const storedDefaults: Record<string, unknown> = {
  openRegistration: true,
  gravatar: false,
  accountType: "granary",
  siteUrl: "",
  staticUrl: "",
  defaultPackageAccess: "public",
  hashWarningPercent: defaultHashWarningPercent,
};

/** A stored value under such a name is a secret (sealed passwords, API keys, tokens), whatever feature stored it. */
const secretNamePattern = /password|secret|sealed|token|api_?key|private_?key/i;

/** A URL's password (postgres://user:pass@host/...) is masked; the rest of the address stays readable. */
function maskUrlPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]*@/i, `$1:${maskedValue}@`);
}

function shown(value: unknown): string {
  if (value === undefined || value === null || value === "") return "(unset)";
  if (typeof value === "string") return maskUrlPassword(value);
  if (Array.isArray(value) && value.every((item) => typeof item !== "object")) return value.join(", ") || "(none)";
  return maskUrlPassword(JSON.stringify(value));
}

/** Structured stored values (the LDAP settings, mail settings) are shown field by field, each masked on its own. */
function flatten(name: string, value: unknown): { name: string; value: unknown }[] {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => flatten(`${name}.${key}`, inner));
  }
  return [{ name, value }];
}

function storedSetting(name: string, value: unknown, source: SettingSource): EffectiveSetting {
  const secret = secretNamePattern.test(name.split(".").at(-1) ?? name);
  const isSet = value !== undefined && value !== null && value !== "";
  return { name, value: secret ? (isSet ? maskedValue : "(unset)") : shown(value), source, secret };
}

export async function getEffectiveConfiguration(db: Db, actor: Actor): Promise<EffectiveConfiguration> {
  assertCan(actor, "admin:settings:update");
  const environment = describeEnvironment().map(({ name, value, setByEnvironment }): EffectiveSetting => {
    const secret = secretEnvironmentNames.has(name);
    const isSet = value !== undefined && value !== null && value !== "";
    return {
      name,
      value: secret ? (isSet ? maskedValue : "(unset)") : shown(value),
      source: setByEnvironment ? "environment" : "default",
      secret,
    };
  });
  const rows = await db.select({ key: siteSettings.key, value: siteSettings.value }).from(siteSettings).orderBy(asc(siteSettings.key));
  const storedKeys = new Set(rows.map((row) => row.key));
  const stored = [
    ...rows.flatMap((row) => flatten(row.key, row.value).map((entry) => storedSetting(entry.name, entry.value, "database"))),
    ...Object.entries(storedDefaults)
      .filter(([key]) => !storedKeys.has(key))
      .map(([key, value]) => storedSetting(key, value, "default")),
  ].sort((first, second) => first.name.localeCompare(second.name));
  return { environment, stored };
}
