import { z } from "zod";
import { hasControlCharacter } from "./account";

export const mailModes = ["off", "resend", "smtp"] as const;
export type MailMode = (typeof mailModes)[number];
export const mailModeLabels: Record<MailMode, string> = {
  off: "Off (mail stays in the outbox)",
  resend: "Resend",
  smtp: "SMTP",
};

export const smtpTlsModes = ["starttls", "implicit", "none"] as const;
export type SmtpTlsMode = (typeof smtpTlsModes)[number];
export const smtpTlsLabels: Record<SmtpTlsMode, string> = {
  starttls: "STARTTLS (required; usually port 587)",
  implicit: "TLS from the start (usually port 465)",
  none: "None (plain text: only on a trusted network)",
};

const hostnamePattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/i;
const addressPattern = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$|^[^\s@<>"]+@localhost$/i;

/** `ada@example.org` or `Granary <ada@example.org>`. */
export function isFromAddress(value: string): boolean {
  const named = /^([^<>"]*|"[^"]*")\s*<([^<>]+)>$/.exec(value);
  return addressPattern.test(named ? named[2]!.trim() : value);
}

const noControl = (text: string) => !hasControlCharacter(text);

/**
 * The form's fields. A secret field left empty keeps the stored secret (the page never gets it back, it only
 * shows that one is set); `clearSmtpPassword` removes the stored SMTP password.
 */
export const mailSettingsSchema = z
  .object({
    mode: z.enum(mailModes),
    resendApiKey: z.string().trim().max(500, "That is too long for an API key.").refine(noControl, "An API key has no control characters.").default(""),
    smtpHost: z.string().trim().max(253).default(""),
    smtpPort: z.coerce.number({ error: "Give a port number." }).int("Give a whole port number.").min(1, "Ports go from 1 to 65535.").max(65535, "Ports go from 1 to 65535.").default(587),
    smtpUsername: z.string().trim().max(320).refine(noControl, "A username has no control characters.").default(""),
    smtpPassword: z.string().max(500).refine(noControl, "A password has no control characters.").default(""),
    clearSmtpPassword: z.boolean().default(false),
    smtpTls: z.enum(smtpTlsModes).default("starttls"),
    fromAddress: z.string().trim().max(320).refine(noControl, "An address has no control characters.").default(""),
  })
  .superRefine((settings, context) => {
    if (settings.mode === "smtp") {
      if (settings.smtpHost === "") context.addIssue({ code: "custom", path: ["smtpHost"], message: "Give the SMTP server's hostname." });
      else if (!hostnamePattern.test(settings.smtpHost)) context.addIssue({ code: "custom", path: ["smtpHost"], message: "Give a hostname (mail.example.org) or an IP address." });
    }
    if (settings.fromAddress !== "" && !isFromAddress(settings.fromAddress)) {
      context.addIssue({ code: "custom", path: ["fromAddress"], message: "Give an address (granary@example.org) or a name and address (Granary <granary@example.org>)." });
    }
  });
export type MailSettingsInput = z.input<typeof mailSettingsSchema>;

export interface MailSettingsView {
  /** Who decides: the environment (RESEND_API_KEY or SMTP_HOST), which wins, or this page. */
  source: "environment" | "database";
  environment: null | { transport: "resend" | "smtp"; host: string | null; port: number | null; username: string | null; from: string };
  mode: MailMode;
  resendApiKeySet: boolean;
  smtpHost: string;
  smtpPort: number;
  smtpUsername: string;
  smtpPasswordSet: boolean;
  smtpTls: SmtpTlsMode;
  fromAddress: string;
  /** MAIL_FROM, used when no from address is given here. */
  defaultFrom: string;
}

export const sendTestEmailSchema = z.object({
  /** Empty: the administrator's own address. */
  to: z
    .string()
    .trim()
    .max(320)
    .refine((value) => value === "" || (addressPattern.test(value) && !hasControlCharacter(value)), "Give an e-mail address, or leave it empty for your own.")
    .default(""),
});
