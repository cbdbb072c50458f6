/**
 * Admin → General, Config and Stats through the router: the site URL in e-mailed links, validation, the audit
 * trail, the effective configuration's masking, the platform facts and the statistics periods.
 */
import { afterEach, describe, expect, it } from "vitest";
import { env } from "@/env";
import packageJson from "../../../package.json";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createSiteAdmin, createUser, onlyEmailTo, recordedAuditEvents } from "@/test/factories";
import { unreachableLdapSettings } from "@/test/ldap-server";
import { siteSettings, siteStatistics } from "../db/schema";
import { updateLdapSettings } from "./ldap-settings";
import { getSiteStatistics } from "./site-statistics";

const db = setUpTestDatabase();

const publicUrlBefore = env.PUBLIC_URL;
afterEach(() => {
  env.PUBLIC_URL = publicUrlBefore;
});

const general = { siteUrl: "https://packages.example.test/", staticUrl: "", defaultPackageAccess: "public" as const };

describe("the site URL", () => {
  it("starts e-mailed links when the environment does not set PUBLIC_URL, which otherwise wins", async () => {
    const admin = await createSiteAdmin(db);
    await createUser(db, { username: "ada", email: "ada@example.test" });
    const saved = await callerFor(admin.actor).siteAdmin.updateGeneralSettings(general);
    expect(saved.siteUrl).toBe("https://packages.example.test");

    env.PUBLIC_URL = undefined;
    await callerFor(anonymous()).account.requestPasswordReset({ login: "ada" });
    const message = await onlyEmailTo(db, "ada@example.test");
    expect(message.text).toContain("https://packages.example.test/reset-password?token=");
    expect(await callerFor(admin.actor).siteAdmin.generalSettings()).toMatchObject({ siteUrlFromEnvironment: null, effectiveSiteUrl: "https://packages.example.test" });

    env.PUBLIC_URL = "http://granary.test";
    expect(await callerFor(admin.actor).siteAdmin.generalSettings()).toMatchObject({
      siteUrl: "https://packages.example.test",
      siteUrlFromEnvironment: "http://granary.test",
      effectiveSiteUrl: "http://granary.test",
    });
  });

  it("refuses what is not an http(s) address, on its field, and changes nothing", async () => {
    const admin = await createSiteAdmin(db);
    const caller = callerFor(admin.actor);
    await caller.siteAdmin.updateGeneralSettings(general);
    for (const [field, value] of [
      ["siteUrl", "ftp://packages.example.test"],
      ["siteUrl", "packages.example.test"],
      ["staticUrl", "javascript:alert(1)"],
      ["staticUrl", "https://user:secret@cdn.example.test"],
      ["staticUrl", "https://cdn.example.test/?token=1"],
    ] as const) {
      const failure = await failureOf(caller.siteAdmin.updateGeneralSettings({ ...general, [field]: value }));
      expect(failure.code).toBe("BAD_REQUEST");
      expect(failure.fieldErrors?.[field], `${field}=${value}`).toBeTruthy();
    }
    const failure = await failureOf(caller.siteAdmin.updateGeneralSettings({ ...general, defaultPackageAccess: "secret" as "public" }));
    expect(failure.fieldErrors?.defaultPackageAccess).toBe("Choose public or private.");
    expect(await caller.siteAdmin.generalSettings()).toMatchObject({ siteUrl: "https://packages.example.test", staticUrl: "", defaultPackageAccess: "public" });
  });

  it("is changed by site administrators only, and each change is audited with before and after", async () => {
    const admin = await createSiteAdmin(db);
    const user = await createUser(db);
    expect((await failureOf(callerFor(user.actor).siteAdmin.updateGeneralSettings(general))).code).toBe("FORBIDDEN");
    await callerFor(admin.actor).siteAdmin.updateGeneralSettings({ ...general, staticUrl: "https://cdn.example.test", defaultPackageAccess: "private" });
    const [event] = await recordedAuditEvents(db, { action: "admin.settings_updated" });
    expect(event).toMatchObject({
      actorUserId: admin.id,
      targetLabel: "general",
      details: {
        before: { siteUrl: "", staticUrl: "", defaultPackageAccess: "public" },
        after: { siteUrl: "https://packages.example.test", staticUrl: "https://cdn.example.test", defaultPackageAccess: "private" },
      },
    });
  });
});

describe("the effective configuration", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    env.DATABASE_URL = saved.DATABASE_URL;
    env.RESEND_API_KEY = saved.RESEND_API_KEY;
  });

  it("lists every setting with its source and masks every secret, from the environment and the database", async () => {
    const admin = await createSiteAdmin(db);
    const databasePassword = "database-password-do-not-show";
    const resendKey = "re_resend-key-do-not-show";
    process.env.DATABASE_URL = `postgres://granary:${databasePassword}@db.example.test:5432/granary`;
    process.env.RESEND_API_KEY = resendKey;
    env.DATABASE_URL = process.env.DATABASE_URL;
    env.RESEND_API_KEY = resendKey;
    await updateLdapSettings(db, admin.actor, { ...unreachableLdapSettings, bindPassword: "bind-password-do-not-show" });
    // What another feature may store (mail settings): a secret-looking name is masked whatever stored it.
    await db.insert(siteSettings).values({ key: "mail", value: { mode: "smtp", smtpHost: "smtp.example.test", smtpPassword: "smtp-password-do-not-show", resendApiKey: "re_stored-do-not-show" } });
    await callerFor(admin.actor).siteAdmin.updateGeneralSettings(general);

    const configuration = await callerFor(admin.actor).siteAdmin.effectiveConfiguration();
    const shown = JSON.stringify(configuration);
    for (const secret of [databasePassword, resendKey, env.AUTH_SECRET!, "bind-password-do-not-show", "smtp-password-do-not-show", "re_stored-do-not-show"]) {
      expect(shown).not.toContain(secret);
    }
    const environment = Object.fromEntries(configuration.environment.map((setting) => [setting.name, setting]));
    expect(Object.keys(environment)).toEqual(expect.arrayContaining(["PORT", "DATA_DIR", "PUBLIC_URL", "AUTH_SECRET", "JOBS_QUEUES", "LDAP_TIMEOUT_SECONDS"]));
    expect(environment.AUTH_SECRET).toMatchObject({ value: "******", source: "environment", secret: true });
    expect(environment.RESEND_API_KEY).toMatchObject({ value: "******", source: "environment", secret: true });
    expect(environment.SMTP_PASSWORD).toMatchObject({ value: "(unset)", source: "default", secret: true });
    expect(environment.DATABASE_URL).toMatchObject({ value: "postgres://granary:******@db.example.test:5432/granary", source: "environment" });
    expect(environment.JOBS_QUEUES).toMatchObject({ value: "high, default, low, user-tasks" });

    const stored = Object.fromEntries(configuration.stored.map((setting) => [setting.name, setting]));
    expect(stored.siteUrl).toMatchObject({ value: "https://packages.example.test", source: "database" });
    expect(stored.openRegistration).toMatchObject({ value: "true", source: "default" });
    expect(stored["ldap.bindPasswordSealed"]).toMatchObject({ value: "******", secret: true });
    expect(stored["ldap.bindDn"]).toMatchObject({ value: unreachableLdapSettings.bindDn, source: "database", secret: false });
    expect(stored["mail.smtpPassword"]).toMatchObject({ value: "******", secret: true });
    expect(stored["mail.resendApiKey"]).toMatchObject({ value: "******", secret: true });
    expect(stored["mail.smtpHost"]).toMatchObject({ value: "smtp.example.test", secret: false });
  });

  it("is for site administrators only", async () => {
    const user = await createUser(db);
    expect((await failureOf(callerFor(user.actor).siteAdmin.effectiveConfiguration())).code).toBe("FORBIDDEN");
    expect((await failureOf(callerFor(user.actor).siteAdmin.platformInfo())).code).toBe("FORBIDDEN");
  });
});

describe("the platform facts", () => {
  it("name the version, commit, Node and PostgreSQL, the drivers, the folders and the uptime", async () => {
    const admin = await createSiteAdmin(db);
    const info = await callerFor(admin.actor).siteAdmin.platformInfo();
    expect(info.version).toBe(packageJson.version);
    expect(info.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(info.nodeVersion).toBe(process.version);
    expect(info.postgresVersion).toMatch(/^PostgreSQL \d+/);
    expect(info).toMatchObject({ jobs: "embedded", storage: "filesystem" });
    expect(["embedded", "external"]).toContain(info.database);
    expect(["off", "resend", "smtp"]).toContain(info.mail);
    expect(info.filesFolder.startsWith("/")).toBe(true);
    expect(info.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(info)).not.toContain(env.AUTH_SECRET!);
  });
});

describe("the statistics", () => {
  const now = new Date("2026-06-30T12:00:00Z");
  const dayBefore = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);

  async function snapshot(day: string, users: number) {
    await db.insert(siteStatistics).values({ day, users, organizations: 1, packages: 2, files: 3, bytesStored: 4096, downloads: 10, downloadsOnDay: 5 });
  }

  it("gives the snapshots of 30 days, 90 days, a year or all, oldest first, and when the next is taken", async () => {
    const admin = await createSiteAdmin(db);
    for (const [days, users] of [[0, 10], [29, 9], [30, 8], [89, 7], [90, 6], [364, 5], [365, 4], [1000, 3]] as const) await snapshot(dayBefore(days), users);
    const usersIn = async (period: "30d" | "90d" | "1y" | "all") => (await getSiteStatistics(db, admin.actor, { period }, now)).days.map((day) => day.users);
    expect(await usersIn("30d")).toEqual([9, 10]);
    expect(await usersIn("90d")).toEqual([7, 8, 9, 10]);
    expect(await usersIn("1y")).toEqual([5, 6, 7, 8, 9, 10]);
    expect(await usersIn("all")).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    const thirty = await getSiteStatistics(db, admin.actor, {}, now);
    expect(thirty).toMatchObject({ period: "30d", since: dayBefore(29), snapshotTask: { name: "statistics-snapshot", nextRunAt: new Date("2026-07-01T00:05:00Z") } });
    expect(thirty.days.at(-1)).toEqual({ day: dayBefore(0), users: 10, organizations: 1, packages: 2, files: 3, bytesStored: 4096, downloadsOnDay: 5, downloads: 10 });
  });

  it("is empty before the first snapshot, refuses an unknown period, and is for administrators", async () => {
    const admin = await createSiteAdmin(db);
    const user = await createUser(db);
    expect((await callerFor(admin.actor).siteAdmin.statistics({ period: "all" })).days).toEqual([]);
    const failure = await failureOf(callerFor(admin.actor).siteAdmin.statistics({ period: "week" as "all" }));
    expect(failure.code).toBe("BAD_REQUEST");
    expect((await failureOf(callerFor(user.actor).siteAdmin.statistics({ period: "30d" }))).code).toBe("FORBIDDEN");
  });
});
