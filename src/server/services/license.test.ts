import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { failureOf, callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createDeactivatedUser, createSiteAdmin, createUser, sentEmails } from "@/test/factories";
import { isoDateIn, signedTestLicense, trustTestLicenseKey } from "@/test/license";
import { env } from "@/env";
import { auditEvents, installedLicenses, licenseNotices } from "../db/schema";
import { generateLicenseKeyPair } from "../licensing/license";
import { licenseNoticesJob } from "../jobs/definitions/license-notices";
import { dueLicenseNotice, getLicenseBanners, sendLicenseNotices } from "./license";

const db = setUpTestDatabase();
const day = 24 * 60 * 60 * 1000;

beforeEach(() => trustTestLicenseKey());

describe("Admin → License", () => {
  it("says there is no license on a fresh install, and shows no banner for it", async () => {
    const admin = await createSiteAdmin(db);
    await expect(callerFor(admin.actor).license.get()).resolves.toEqual({ state: "none" });
    await expect(callerFor(admin.actor).license.banners()).resolves.toEqual([]);
  });

  it("installs an uploaded license, shows its days, fields and seats used, and audits the upload", async () => {
    const admin = await createSiteAdmin(db, { username: "boss" });
    await createUser(db);
    await createDeactivatedUser(db);
    const document = signedTestLicense({ days: 52, seats: 10, company: "Continuum" });
    const status = await callerFor(admin.actor).license.install({ document, fileName: "granary.license" });
    expect(status).toMatchObject({
      state: "valid",
      daysRemaining: 52,
      expired: false,
      seatsUsed: 2,
      overSeats: false,
      fields: { product: "Granary", company: "Continuum", seats: 10, endDate: isoDateIn(52) },
    });
    await expect(callerFor(admin.actor).license.get()).resolves.toEqual(status);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.action, "admin.license_installed"));
    expect(event).toMatchObject({ actorLabel: "boss", targetType: "license", details: { company: "Continuum", seats: 10, fileName: "granary.license" } });
  });

  it.each([
    ["a tampered field", () => signedTestLicense().replace('"seats": 50', '"seats": 5000'), /signature does not match/],
    ["another vendor's key", () => {
      const document = signedTestLicense();
      env.GRANARY_LICENSE_PUBLIC_KEY = generateLicenseKeyPair().publicKeyPem;
      return document;
    }, /signature does not match/],
    ["another product", () => signedTestLicense({ product: "Anaconda Enterprise" }), /is for Anaconda Enterprise, not Granary/],
    ["a garbage file", () => "\u0089PNG\r\n binary", /not a Granary license/],
    ["an empty file", () => "   ", /Choose a license file/],
  ])("refuses %s with a field error and keeps the license it had", async (_case, makeDocument, message) => {
    const admin = await createSiteAdmin(db);
    const good = await callerFor(admin.actor).license.install({ document: signedTestLicense({ company: "Kept Corp" }) });
    const document = makeDocument();
    const failure = await failureOf(callerFor(admin.actor).license.install({ document }));
    expect(failure.code).toBe("BAD_REQUEST");
    expect(failure.fieldErrors?.document).toMatch(message);
    trustTestLicenseKey();
    await expect(callerFor(admin.actor).license.get()).resolves.toEqual(good);
    expect(await db.select().from(installedLicenses)).toHaveLength(1);
  });

  it("audits a refused file without installing it", async () => {
    const admin = await createSiteAdmin(db);
    await failureOf(callerFor(admin.actor).license.install({ document: "nonsense", fileName: "evil.license" }));
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.action, "admin.license_refused"));
    expect(event?.details).toEqual({ reason: "unreadable", fileName: "evil.license" });
  });

  it("shows a license that no longer verifies (the key changed) as not valid instead of trusting it", async () => {
    const admin = await createSiteAdmin(db);
    await callerFor(admin.actor).license.install({ document: signedTestLicense() });
    env.GRANARY_LICENSE_PUBLIC_KEY = generateLicenseKeyPair().publicKeyPem;
    await expect(callerFor(admin.actor).license.get()).resolves.toMatchObject({ state: "invalid", problem: expect.stringMatching(/signature/) });
    expect((await callerFor(admin.actor).license.banners())[0]?.message).toMatch(/does not verify/);
  });
});

describe("license banners", () => {
  async function bannersWith(document: string) {
    const admin = await createSiteAdmin(db);
    await callerFor(admin.actor).license.install({ document });
    return (await getLicenseBanners(db, admin.actor)).map((banner) => banner.message);
  }

  it("says nothing while more than 30 days are left", async () => {
    expect(await bannersWith(signedTestLicense({ days: 31 }))).toEqual([]);
  });

  it("warns 30, 7 and 1 days before the end, on the last day and after it", async () => {
    expect(await bannersWith(signedTestLicense({ days: 30 }))).toEqual([expect.stringMatching(/ends in 30 days/)]);
    expect(await bannersWith(signedTestLicense({ days: 7 }))).toEqual([expect.stringMatching(/ends in 7 days/)]);
    expect(await bannersWith(signedTestLicense({ days: 1 }))).toEqual([expect.stringMatching(/ends in 1 day,/)]);
    expect(await bannersWith(signedTestLicense({ days: 0 }))).toEqual([expect.stringMatching(/ends today/)]);
    const ended = signedTestLicense({ days: -3, issued: isoDateIn(-100) });
    expect(await bannersWith(ended)).toEqual([`The Granary license ended on ${isoDateIn(-3)}. Granary keeps working; upload a renewed license.`]);
  });

  it("warns when more accounts are active than the license has seats, and locks nobody out", async () => {
    await createUser(db, { username: "one" });
    const two = await createUser(db, { username: "two" });
    const messages = await bannersWith(signedTestLicense({ seats: 2 }));
    expect(messages).toEqual(["3 accounts are active, more than the license's 2 seats. Nobody is locked out; renew for more seats or deactivate accounts no longer used."]);
    // Over the seats, people still sign in and use the site: an ordinary call as one of them still works.
    await expect(callerFor(two.actor).account.whoami()).resolves.toMatchObject({ username: "two" });
  });

  it("are for administrators only", async () => {
    const user = await createUser(db);
    expect((await failureOf(callerFor(user.actor).license.banners())).code).toBe("FORBIDDEN");
  });
});

describe("license notices", () => {
  it("picks the most urgent notice due", () => {
    expect([45, 31, 30, 8, 7, 2, 1, 0, -1].map(dueLicenseNotice)).toEqual([null, null, "30_days", "30_days", "7_days", "7_days", "1_day", "1_day", "expired"]);
  });

  it("e-mails every active administrator each notice once per license, however often the job runs", async () => {
    const boss = await createSiteAdmin(db, { username: "boss" });
    const deputy = await createSiteAdmin(db, { username: "deputy" });
    const former = await createUser(db, { username: "former", isSiteAdmin: true, isActive: false });
    await createUser(db, { username: "ada" });
    const document = signedTestLicense({ days: 40, company: "Example Corp" });
    await callerFor(boss.actor).license.install({ document });
    const licenseId = JSON.parse(document).license.id as string;
    const context = { db } as Parameters<typeof licenseNoticesJob.run>[1];

    await expect(licenseNoticesJob.run({}, { ...context, log: silentLog, progress: () => {} })).resolves.toEqual({ notice: null, sent: 0 });
    const runAt = async (daysBeforeEnd: number) => sendLicenseNotices(db, { now: new Date(Date.parse(`${isoDateIn(40)}T12:00:00Z`) - daysBeforeEnd * day) });
    await expect(runAt(30)).resolves.toEqual({ notice: "30_days", sent: 2 });
    await expect(runAt(30)).resolves.toEqual({ notice: "30_days", sent: 0 });
    await expect(runAt(29)).resolves.toEqual({ notice: "30_days", sent: 0 });
    await expect(runAt(7)).resolves.toEqual({ notice: "7_days", sent: 2 });
    await expect(runAt(1)).resolves.toEqual({ notice: "1_day", sent: 2 });
    await expect(runAt(0)).resolves.toEqual({ notice: "1_day", sent: 0 });
    await expect(runAt(-1)).resolves.toEqual({ notice: "expired", sent: 2 });
    await expect(runAt(-20)).resolves.toEqual({ notice: "expired", sent: 0 });

    const mails = await sentEmails(db, { to: boss.email });
    // Deliveries run in any order: the set is what counts.
    expect(mails.map((mail) => mail.subject).sort()).toEqual([
      "The Granary license ends in 30 days",
      "The Granary license ends in 7 days",
      "The Granary license ends tomorrow",
      "The Granary license has ended",
    ]);
    expect(mails.every((mail) => mail.text?.includes("/admin/license"))).toBe(true);
    expect(await sentEmails(db, { to: deputy.email })).toHaveLength(4);
    expect(await sentEmails(db, { to: former.email })).toHaveLength(0);
    expect((await db.select().from(licenseNotices)).map((row) => [row.licenseId, row.notice]).sort()).toEqual(
      ["1_day", "30_days", "7_days", "expired"].map((notice) => [licenseId, notice]),
    );
  });

  it("sends a renewed license its own notices", async () => {
    const boss = await createSiteAdmin(db);
    await callerFor(boss.actor).license.install({ document: signedTestLicense({ days: 5 }) });
    await expect(sendLicenseNotices(db)).resolves.toEqual({ notice: "7_days", sent: 1 });
    await callerFor(boss.actor).license.install({ document: signedTestLicense({ days: 3, id: randomUUID() }) });
    await expect(sendLicenseNotices(db)).resolves.toEqual({ notice: "7_days", sent: 1 });
  });

  it("sends nothing without a license", async () => {
    await createSiteAdmin(db);
    await expect(sendLicenseNotices(db)).resolves.toEqual({ notice: null, sent: 0 });
  });
});

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
