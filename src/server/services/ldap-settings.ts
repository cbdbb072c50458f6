/**
 * Admin → General → Account type: Granary's own accounts, or accounts from an LDAP directory, and the directory's
 * settings. They are site settings (two rows: `accountType` and `ldap`); the bind password is kept sealed with
 * AES-256-GCM under a key derived from AUTH_SECRET, and never leaves the server again.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { ldapSettingsSchema, testLdapConnectionSchema, type AccountType, type LdapSettingsInput, type LdapSettingsView } from "@/shared/schemas/ldap";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { siteSettings } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "./audit";
import { DirectoryUnavailableError, filterProblem, findPerson, type DirectoryConfig, type DirectoryPerson } from "./ldap-directory";

const accountTypeKey = "accountType";
const ldapKey = "ldap";

type StoredLdapSettings = Omit<LdapSettingsInput, "accountType" | "bindPassword"> & { bindPasswordSealed: string | null };

const emptySettings: StoredLdapSettings = {
  url: "",
  startTls: false,
  caCertificate: "",
  bindDn: "",
  bindPasswordSealed: null,
  userSearchBase: "",
  userSearchFilter: "(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))",
  usernameAttribute: "uid",
  emailAttribute: "mail",
  displayNameAttribute: "cn",
  groupSearchBase: "",
  groupSearchFilter: "(objectClass=groupOfNames)",
  groupMemberAttribute: "member",
};

// ---------------------------------------------------------------------------------------------- the sealed password

const sealedPrefix = "ldap:v1:";

function sealingKey(): Buffer {
  if (!env.AUTH_SECRET) throw new Error("AUTH_SECRET is not set: the LDAP bind password is sealed with it (npm start provides one).");
  return Buffer.from(hkdfSync("sha256", env.AUTH_SECRET, "granary", "ldap bind password", 32));
}

export function sealBindPassword(password: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(), iv);
  const body = Buffer.concat([cipher.update(password, "utf8"), cipher.final()]);
  return sealedPrefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

function openBindPassword(sealed: string): string {
  if (!sealed.startsWith(sealedPrefix)) throw new Error("The stored LDAP bind password is not sealed.");
  const raw = Buffer.from(sealed.slice(sealedPrefix.length), "base64url");
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

// ---------------------------------------------------------------------------------------------- reading

export async function getAccountType(db: Db): Promise<AccountType> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, accountTypeKey));
  return row?.value === "ldap" ? "ldap" : "granary";
}

async function readStored(db: Db): Promise<StoredLdapSettings> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, ldapKey));
  return { ...emptySettings, ...((row?.value as Partial<StoredLdapSettings> | undefined) ?? {}) };
}

function toView(accountType: AccountType, stored: StoredLdapSettings): LdapSettingsView {
  const { bindPasswordSealed, ...settings } = stored;
  return { accountType, ...settings, bindPasswordSet: bindPasswordSealed !== null };
}

/** The settings as the General page's form shows them: the bind password only as "set". */
export async function getLdapSettings(db: Db, actor: Actor): Promise<LdapSettingsView> {
  assertCan(actor, "admin:settings:update");
  return toView(await getAccountType(db), await readStored(db));
}

function toConfig(stored: StoredLdapSettings, bindPassword: string): DirectoryConfig {
  const { bindPasswordSealed: _sealed, ...settings } = stored;
  return { ...settings, bindPassword };
}

/** The directory sign-in uses, or null while accounts are Granary's own. */
export async function loadDirectoryConfig(db: Db): Promise<DirectoryConfig | null> {
  if ((await getAccountType(db)) !== "ldap") return null;
  const stored = await readStored(db);
  return toConfig(stored, stored.bindPasswordSealed ? openBindPassword(stored.bindPasswordSealed) : "");
}

// ---------------------------------------------------------------------------------------------- changing

function assertFilters(input: LdapSettingsInput): void {
  for (const field of ["userSearchFilter", "groupSearchFilter"] as const) {
    const problem = input[field] ? filterProblem(input[field].startsWith("(") ? input[field] : `(${input[field]})`) : null;
    if (problem) throw AppError.field(field, problem);
  }
}

function storedFrom(input: LdapSettingsInput, bindPasswordSealed: string | null): StoredLdapSettings {
  const { accountType: _accountType, bindPassword: _password, ...settings } = input;
  return { ...settings, bindPasswordSealed };
}

export async function updateLdapSettings(db: Db, actor: Actor, rawInput: z.input<typeof ldapSettingsSchema>): Promise<LdapSettingsView> {
  assertCan(actor, "admin:settings:update");
  const input = ldapSettingsSchema.parse(rawInput);
  assertFilters(input);
  const before = await readStored(db);
  const beforeType = await getAccountType(db);
  const passwordChanged = input.bindPassword !== "";
  const sealed = passwordChanged ? sealBindPassword(input.bindPassword) : before.bindPasswordSealed;
  if (input.accountType === "ldap" && sealed === null) {
    // Without one every search would be anonymous, which Granary never does.
    throw AppError.field("bindPassword", "LDAP accounts need the bind password.");
  }
  const after = storedFrom(input, sealed);
  await db.transaction(async (tx) => {
    for (const [key, value] of [
      [accountTypeKey, input.accountType],
      [ldapKey, after],
    ] as const) {
      await tx
        .insert(siteSettings)
        .values({ key, value })
        .onConflictDoUpdate({ target: siteSettings.key, set: { value, updatedAt: new Date() } });
    }
    const { bindPasswordSealed: _before, ...beforeShown } = before;
    const { bindPasswordSealed: _after, ...afterShown } = after;
    await recordAudit(tx, actor, {
      action: "admin.ldap_settings_updated",
      target: { type: "site" },
      details: { before: { accountType: beforeType, ...beforeShown }, after: { accountType: input.accountType, ...afterShown }, bindPasswordChanged: passwordChanged },
    });
  });
  return toView(input.accountType, after);
}

// ---------------------------------------------------------------------------------------------- Test connection

export type LdapConnectionTest = { ok: true; person: DirectoryPerson | null } | { ok: false; error: string };

/**
 * Binds with the settings as typed (the stored password when none is typed), looks the name up and shows what
 * Granary would read, or the directory's own error. Only this answer, to an administrator, carries what the
 * directory said.
 */
export async function testLdapConnection(db: Db, actor: Actor, rawInput: z.input<typeof testLdapConnectionSchema>): Promise<LdapConnectionTest> {
  assertCan(actor, "admin:settings:update");
  const input = testLdapConnectionSchema.parse(rawInput);
  if (input.settings.url === "") throw AppError.field("url", "Give the server URL to test.");
  if (input.settings.userSearchFilter === "") throw AppError.field("userSearchFilter", "Give the user search filter to test.");
  assertFilters(input.settings);
  const stored = await readStored(db);
  const password = input.settings.bindPassword || (stored.bindPasswordSealed ? openBindPassword(stored.bindPasswordSealed) : "");
  const config = toConfig(storedFrom(input.settings, null), password);
  let result: LdapConnectionTest;
  try {
    result = { ok: true, person: await findPerson(config, input.username) };
  } catch (error) {
    if (!(error instanceof DirectoryUnavailableError)) throw error;
    result = { ok: false, error: error.message };
  }
  await recordAudit(db, actor, {
    action: "admin.ldap_connection_tested",
    target: { type: "site" },
    details: { url: config.url, ok: result.ok, found: result.ok ? result.person !== null : null },
  });
  return result;
}
