/**
 * Admin → Notification: how Granary sends e-mail when the environment does not say (RESEND_API_KEY or SMTP_HOST
 * win; the page then only shows them). Off keeps mail in the outbox, as a fresh site does. The settings are one
 * site_settings row (`mail`); the Resend API key and the SMTP password are sealed with AES-256-GCM under a key
 * derived from AUTH_SECRET (jobs/sealing.ts, as job secrets are) and never leave the server again: the page only
 * learns that one is set.
 *
 * The mailer reads the row before every message (databaseMailTransport), so a change applies to the next e-mail on
 * every server and worker without a restart; the built transport is cached until the row changes.
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import { env } from "@/env";
import { mailSettingsSchema, sendTestEmailSchema, type MailMode, type MailSettingsView, type SmtpTlsMode } from "@/shared/schemas/mail-settings";
import { assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { siteSettings } from "../db/schema";
import { deliverEmail } from "../email/delivery";
import { createOutboxTransport, createResendTransport, createSmtpTransport, environmentSetsMail, mailTransportFromEnvironment, type MailTransport } from "../email/transports";
import { AppError } from "../errors";
import { seal, unseal } from "../jobs/sealing";
import { recordAudit } from "./audit";

const mailKey = "mail";

export interface StoredMailSettings {
  mode: MailMode;
  resendApiKeySealed: string | null;
  smtpHost: string;
  smtpPort: number;
  smtpUsername: string;
  smtpPasswordSealed: string | null;
  smtpTls: SmtpTlsMode;
  fromAddress: string;
}

const offSettings: StoredMailSettings = {
  mode: "off",
  resendApiKeySealed: null,
  smtpHost: "",
  smtpPort: 587,
  smtpUsername: "",
  smtpPasswordSealed: null,
  smtpTls: "starttls",
  fromAddress: "",
};

async function readStoredRow(db: Db): Promise<{ stored: StoredMailSettings; version: string }> {
  const [row] = await db.select().from(siteSettings).where(eq(siteSettings.key, mailKey));
  const stored = { ...offSettings, ...((row?.value as Partial<StoredMailSettings> | undefined) ?? {}) };
  return { stored, version: row ? `${row.updatedAt.toISOString()} ${JSON.stringify(row.value)}` : "none" };
}

function environmentView(): MailSettingsView["environment"] {
  const transport = environmentSetsMail();
  if (!transport) return null;
  return transport === "smtp"
    ? { transport, host: env.SMTP_HOST ?? null, port: env.SMTP_PORT, username: env.SMTP_USER ?? null, from: env.MAIL_FROM }
    : { transport, host: null, port: null, username: null, from: env.MAIL_FROM };
}

function toView(stored: StoredMailSettings): MailSettingsView {
  const environment = environmentView();
  return {
    source: environment ? "environment" : "database",
    environment,
    mode: stored.mode,
    resendApiKeySet: stored.resendApiKeySealed !== null,
    smtpHost: stored.smtpHost,
    smtpPort: stored.smtpPort,
    smtpUsername: stored.smtpUsername,
    smtpPasswordSet: stored.smtpPasswordSealed !== null,
    smtpTls: stored.smtpTls,
    fromAddress: stored.fromAddress,
    defaultFrom: env.MAIL_FROM,
  };
}

export async function getMailSettings(db: Db, actor: Actor): Promise<MailSettingsView> {
  assertCan(actor, "admin:settings:update");
  return toView((await readStoredRow(db)).stored);
}

/** The settings as the audit trail keeps them: whether a secret is set or changed, never the secret. */
function audited(stored: StoredMailSettings) {
  const { resendApiKeySealed, smtpPasswordSealed, ...rest } = stored;
  return { ...rest, resendApiKeySet: resendApiKeySealed !== null, smtpPasswordSet: smtpPasswordSealed !== null };
}

export async function updateMailSettings(db: Db, actor: Actor, rawInput: z.input<typeof mailSettingsSchema>): Promise<MailSettingsView> {
  assertCan(actor, "admin:settings:update");
  const input = mailSettingsSchema.parse(rawInput);
  if (environmentSetsMail()) {
    throw new AppError("PRECONDITION_FAILED", "The environment sets how mail is sent (RESEND_API_KEY or SMTP_HOST); change it there.");
  }
  const { stored: before } = await readStoredRow(db);
  const resendApiKeySealed = input.resendApiKey !== "" ? (seal(input.resendApiKey) as string) : before.resendApiKeySealed;
  if (input.mode === "resend" && resendApiKeySealed === null) throw AppError.field("resendApiKey", "Give the Resend API key.");
  const smtpPasswordSealed = input.clearSmtpPassword ? null : input.smtpPassword !== "" ? (seal(input.smtpPassword) as string) : before.smtpPasswordSealed;
  const after: StoredMailSettings = {
    mode: input.mode,
    resendApiKeySealed,
    smtpHost: input.smtpHost,
    smtpPort: input.smtpPort,
    smtpUsername: input.smtpUsername,
    smtpPasswordSealed: input.smtpUsername === "" ? null : smtpPasswordSealed,
    smtpTls: input.smtpTls,
    fromAddress: input.fromAddress,
  };
  await db.transaction(async (tx) => {
    await tx
      .insert(siteSettings)
      .values({ key: mailKey, value: after })
      .onConflictDoUpdate({ target: siteSettings.key, set: { value: after, updatedAt: new Date() } });
    await recordAudit(tx, actor, {
      action: "admin.mail_settings_updated",
      target: { type: "site" },
      details: {
        before: audited(before),
        after: audited(after),
        resendApiKeyChanged: after.resendApiKeySealed !== before.resendApiKeySealed,
        smtpPasswordChanged: after.smtpPasswordSealed !== before.smtpPasswordSealed,
      },
    });
  });
  return toView(after);
}

// ---------------------------------------------------------------------------------------------- the mailer

function transportFrom(stored: StoredMailSettings): MailTransport {
  const from = stored.fromAddress || undefined;
  if (stored.mode === "resend" && stored.resendApiKeySealed) {
    return createResendTransport({ apiKey: unseal(stored.resendApiKeySealed) as string, baseUrl: env.RESEND_BASE_URL, from });
  }
  if (stored.mode === "smtp" && stored.smtpHost) {
    return createSmtpTransport({
      host: stored.smtpHost,
      port: stored.smtpPort,
      secure: stored.smtpTls === "implicit",
      tls: stored.smtpTls,
      user: stored.smtpUsername || undefined,
      password: stored.smtpPasswordSealed ? (unseal(stored.smtpPasswordSealed) as string) : undefined,
      from,
    });
  }
  return createOutboxTransport();
}

let cached: { version: string; transport: MailTransport } | undefined;

/** The transport the database's settings ask for now: built again only when the row has changed. */
export async function mailTransportFromSettings(db: Db): Promise<MailTransport> {
  const { stored, version } = await readStoredRow(db);
  if (cached?.version !== version) cached = { version, transport: transportFrom(stored) };
  return cached.transport;
}

/** Stands for "whatever Admin → Notification says at the time": the job runtime's mailer when the environment sets none. */
export const databaseMailTransport: MailTransport = {
  name: "outbox",
  keepsBody: true,
  deliver: (message) => createOutboxTransport().deliver(message),
  resolve: mailTransportFromSettings,
};

/** The mailer of this process: the environment's when it sets mail, otherwise the database's settings. */
export function configuredMailTransport(): MailTransport {
  return environmentSetsMail() ? mailTransportFromEnvironment() : databaseMailTransport;
}

// ---------------------------------------------------------------------------------------------- Send a test e-mail

export interface TestEmailResult {
  ok: boolean;
  to: string;
  transport: MailTransport["name"];
  /** What the mail server answered: the SMTP reply, Resend's status and id, or why it could not be reached. */
  reply: string;
}

/**
 * Sends a test message now, in the request, through what would send the next e-mail, and reports what the server
 * answered; the message is recorded in the outbox's list like any other.
 */
export async function sendTestEmail(db: Db, actor: Actor, rawInput: z.input<typeof sendTestEmailSchema>, transport: MailTransport = configuredMailTransport()): Promise<TestEmailResult> {
  assertCan(actor, "admin:settings:update");
  const input = sendTestEmailSchema.parse(rawInput);
  const admin = requireUser(actor).user;
  const to = input.to || admin.email;
  const environment = environmentSetsMail();
  const described = environment ? `${environment === "smtp" ? "SMTP" : "Resend"} (set by the environment)` : { off: "the outbox", resend: "Resend", smtp: "SMTP" }[(await readStoredRow(db)).stored.mode];
  const result = await deliverEmail(db, { to, template: "testEmail", props: { sentBy: admin.username, transport: described } }, transport);
  const ok = result.status !== "failed";
  const reply =
    result.transport === "outbox" ? "Mail is off: the message was kept in the outbox (Admin → Outbox)." : (result.reply ?? result.error ?? (ok ? "Accepted." : "Failed."));
  await recordAudit(db, actor, { action: "admin.test_email_sent", target: { type: "site" }, details: { to, transport: result.transport, ok } });
  return { ok, to, transport: result.transport, reply };
}
