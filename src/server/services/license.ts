/**
 * Admin → License: the installed license, its days and seats, uploading a new one, the administrators' banner and
 * the end-of-license e-mails.
 *
 * A license never locks anyone out. Without one (a fresh install) Granary works fully and says so only on the
 * License page; with one, administrators see a banner in the admin panel from 30 days before its end, after it
 * ends, and while more accounts are active than it has seats, and get an e-mail at 30, 7 and 1 days before and
 * once after the end. Nothing else changes: users never see any of it.
 */
import { and, count, desc, eq } from "drizzle-orm";
import type { z } from "zod";
import { env, publicUrl } from "@/env";
import { installLicenseSchema } from "@/shared/schemas/license";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { installedLicenses, licenseNotices, users } from "../db/schema";
import { sendEmail } from "../email";
import { AppError } from "../errors";
import type { JobStarter } from "../jobs/definition";
import { daysRemaining, defaultVendorPublicKey, LicenseError, parsePublicKey, verifyLicense, type LicenseFields } from "../licensing/license";
import { isPersonalAccount } from "./account-records";
import { recordAudit } from "./audit";

/** The key licenses are checked against: the configured one, else the built-in vendor key. */
export function licensePublicKey() {
  return parsePublicKey(env.GRANARY_LICENSE_PUBLIC_KEY ?? defaultVendorPublicKey);
}

export type LicenseStatus =
  | { state: "none" }
  | { state: "invalid"; problem: string; installedAt: Date }
  | {
      state: "valid";
      fields: LicenseFields;
      daysRemaining: number;
      expired: boolean;
      seatsUsed: number;
      overSeats: boolean;
      installedAt: Date;
    };

/** Active personal accounts: what a license's seats count. Organizations never sign in and take none. */
async function countSeatsUsed(db: Db): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(users)
    .where(and(isPersonalAccount, eq(users.isActive, true)));
  return row?.value ?? 0;
}

async function readLicenseStatus(db: Db, now: Date): Promise<LicenseStatus> {
  const [installed] = await db.select().from(installedLicenses).orderBy(desc(installedLicenses.installedAt), desc(installedLicenses.id)).limit(1);
  if (!installed) return { state: "none" };
  let fields: LicenseFields;
  try {
    fields = verifyLicense(installed.document, licensePublicKey());
  } catch (error) {
    // The stored document verified at upload: a different key since then (or an edited row) lands here.
    return { state: "invalid", problem: error instanceof Error ? error.message : String(error), installedAt: installed.installedAt };
  }
  const remaining = daysRemaining(fields.endDate, now);
  const seatsUsed = await countSeatsUsed(db);
  return { state: "valid", fields, daysRemaining: remaining, expired: remaining < 0, seatsUsed, overSeats: seatsUsed > fields.seats, installedAt: installed.installedAt };
}

export async function getLicense(db: Db, actor: Actor, now: Date = new Date()): Promise<LicenseStatus> {
  assertCan(actor, "admin:settings:update");
  return readLicenseStatus(db, now);
}

export async function installLicense(db: Db, actor: Actor, rawInput: z.input<typeof installLicenseSchema>, now: Date = new Date()): Promise<LicenseStatus> {
  assertCan(actor, "admin:settings:update");
  const parsed = installLicenseSchema.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw AppError.field(String(issue?.path[0] ?? "document"), issue?.message ?? "Choose a license file.");
  }
  let fields: LicenseFields;
  try {
    fields = verifyLicense(parsed.data.document, licensePublicKey());
  } catch (error) {
    if (!(error instanceof LicenseError)) throw error;
    // A refused file is worth a trace (a forged or edited license), and changes nothing else.
    await recordAudit(db, actor, { action: "admin.license_refused", target: { type: "license" }, details: { reason: error.reason, fileName: parsed.data.fileName ?? null } });
    throw AppError.field("document", error.message);
  }
  await db.transaction(async (tx) => {
    await tx.insert(installedLicenses).values({
      licenseId: fields.id,
      document: parsed.data.document,
      fields,
      installedById: actor.kind === "user" ? actor.user.id : null,
    });
    await recordAudit(tx, actor, {
      action: "admin.license_installed",
      target: { type: "license", id: fields.id, label: `${fields.company} (${fields.type})` },
      details: { name: fields.name, company: fields.company, type: fields.type, issued: fields.issued, endDate: fields.endDate, seats: fields.seats, fileName: parsed.data.fileName ?? null },
    });
  });
  return readLicenseStatus(db, now);
}

export interface LicenseBanner {
  tone: "warning" | "danger";
  message: string;
}

function dayCount(days: number): string {
  return days === 1 ? "1 day" : `${days} days`;
}

/** What the admin panel's banner says, if anything: the end near or past, seats exceeded, a license that no longer verifies. */
export async function getLicenseBanners(db: Db, actor: Actor, now: Date = new Date()): Promise<LicenseBanner[]> {
  assertCan(actor, "admin:users:read");
  const status = await readLicenseStatus(db, now);
  if (status.state === "none") return [];
  if (status.state === "invalid") {
    return [{ tone: "danger", message: "The installed license does not verify against this server's license key. Granary keeps working; upload a valid license." }];
  }
  const banners: LicenseBanner[] = [];
  const { fields } = status;
  if (status.expired) {
    banners.push({ tone: "danger", message: `The Granary license ended on ${fields.endDate}. Granary keeps working; upload a renewed license.` });
  } else if (status.daysRemaining === 0) {
    banners.push({ tone: "danger", message: `The Granary license ends today (${fields.endDate}). Upload a renewed license.` });
  } else if (status.daysRemaining <= 30) {
    banners.push({
      tone: status.daysRemaining <= 7 ? "danger" : "warning",
      message: `The Granary license ends in ${dayCount(status.daysRemaining)}, on ${fields.endDate}. Upload a renewed license before then.`,
    });
  }
  if (status.overSeats) {
    banners.push({
      tone: "warning",
      message: `${status.seatsUsed} accounts are active, more than the license's ${fields.seats} seats. Nobody is locked out; renew for more seats or deactivate accounts no longer used.`,
    });
  }
  return banners;
}

/**
 * The e-mails sent as the end comes, most urgent first: a license found late (installed with 5 days left) gets the
 * notice it is due now, not the earlier ones it missed.
 */
export const licenseNoticeStages = [
  { notice: "expired", applies: (days: number) => days < 0 },
  { notice: "1_day", applies: (days: number) => days <= 1 },
  { notice: "7_days", applies: (days: number) => days <= 7 },
  { notice: "30_days", applies: (days: number) => days <= 30 },
] as const;
export type LicenseNotice = (typeof licenseNoticeStages)[number]["notice"];

export function dueLicenseNotice(days: number): LicenseNotice | null {
  return licenseNoticeStages.find((stage) => stage.applies(days))?.notice ?? null;
}

/**
 * The daily job's body: e-mails every active site administrator the notice the current license is due, once per
 * license and notice. The notice row and the e-mails are written in one transaction: a run that dies between them
 * leaves neither, and a second run finds the notice taken.
 */
export async function sendLicenseNotices(db: Db, options: { now?: Date; startedBy?: JobStarter } = {}): Promise<{ notice: LicenseNotice | null; sent: number }> {
  const now = options.now ?? new Date();
  const status = await readLicenseStatus(db, now);
  if (status.state !== "valid") return { notice: null, sent: 0 };
  const notice = dueLicenseNotice(status.daysRemaining);
  if (!notice) return { notice: null, sent: 0 };
  const { fields } = status;
  const sent = await db.transaction(async (tx) => {
    const claimed = await tx.insert(licenseNotices).values({ licenseId: fields.id, notice }).onConflictDoNothing().returning();
    if (claimed.length === 0) return 0;
    const administrators = await tx
      .select({ username: users.username, email: users.email })
      .from(users)
      .where(and(isPersonalAccount, eq(users.isSiteAdmin, true), eq(users.isActive, true)));
    for (const administrator of administrators) {
      await sendEmail(
        tx,
        {
          to: administrator.email,
          template: "licenseEnding",
          props: {
            username: administrator.username,
            company: fields.company,
            endDate: fields.endDate,
            daysRemaining: status.daysRemaining,
            licenseUrl: `${publicUrl()}/admin/license`,
          },
        },
        options.startedBy ? { startedBy: options.startedBy } : {},
      );
    }
    return administrators.length;
  });
  return { notice, sent };
}
