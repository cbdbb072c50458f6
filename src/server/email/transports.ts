/**
 * Where mail goes. The environment decides when it sets mail: Resend when RESEND_API_KEY is set, SMTP when
 * SMTP_HOST is. Otherwise Admin → Notification does (services/mail-settings.ts, read again for every message), and
 * while that is Off mail stays in the outbox table, which admins read in the panel.
 */
import nodemailer from "nodemailer";
import { Resend } from "resend";
import { env } from "@/env";
import type { Db } from "../db";

export interface RenderedEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface MailTransport {
  readonly name: "outbox" | "resend" | "smtp";
  /** Whether the message body is kept in the database: only when the database is the delivery. */
  readonly keepsBody: boolean;
  /** The sender this transport was configured with, instead of MAIL_FROM. */
  readonly from?: string;
  /** What the mail server answered, for Admin → Notification's test (an SMTP reply, Resend's status and id). */
  deliver(message: RenderedEmail): Promise<{ providerMessageId: string | null; reply?: string }>;
  /**
   * The transport to use for the next message, when this one stands for settings that can change at run time (the
   * database's mail settings): read just before each delivery, so a change needs no restart.
   */
  resolve?(db: Db): Promise<MailTransport>;
}

/** A refusal or failure with what the mail server said (or why it could not be reached). */
export class MailServerError extends Error {
  constructor(
    message: string,
    readonly reply: string,
  ) {
    super(message);
    this.name = "MailServerError";
  }
}

export function createOutboxTransport(): MailTransport {
  return { name: "outbox", keepsBody: true, deliver: async () => ({ providerMessageId: null }) };
}

export function createResendTransport(options: { apiKey: string; baseUrl?: string; from?: string }): MailTransport {
  const client = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  return {
    name: "resend",
    keepsBody: false,
    ...(options.from ? { from: options.from } : {}),
    async deliver(message) {
      // Resend reports failures in the result rather than by throwing.
      const { data, error } = await client.emails.send({
        from: message.from,
        to: [message.to],
        subject: message.subject,
        html: message.html,
        text: message.text,
      });
      if (error || !data) {
        const reply = error ? `HTTP ${error.statusCode ?? "(no status)"} ${error.name}: ${error.message}` : "no response";
        throw new MailServerError(`Resend refused the message: ${error?.message ?? "no response"}`, reply);
      }
      return { providerMessageId: data.id, reply: `Accepted by Resend, message id ${data.id}` };
    },
  };
}

/** How an SMTP connection is protected: STARTTLS required, TLS from the first byte (port 465), or none. */
export type SmtpTls = "starttls" | "implicit" | "none";

export function createSmtpTransport(options: {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  /** Without it, nodemailer upgrades with STARTTLS when the server offers it (the environment's SMTP settings). */
  tls?: SmtpTls;
  from?: string;
}): MailTransport {
  const transporter = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.tls ? options.tls === "implicit" : options.secure,
    requireTLS: options.tls === "starttls",
    ignoreTLS: options.tls === "none",
    auth: options.user ? { user: options.user, pass: options.password ?? "" } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
  return {
    name: "smtp",
    keepsBody: false,
    ...(options.from ? { from: options.from } : {}),
    async deliver(message) {
      let info;
      try {
        info = await transporter.sendMail(message);
      } catch (error) {
        const failure = error as Error & { response?: string; code?: string };
        throw new MailServerError(failure.message, failure.response ?? (failure.code ? `${failure.code}: ${failure.message}` : failure.message));
      }
      return { providerMessageId: info.messageId ?? null, reply: info.response };
    },
  };
}

/** Whether the environment sets mail (then Admin → Notification only shows it). */
export function environmentSetsMail(): "resend" | "smtp" | null {
  return env.RESEND_API_KEY ? "resend" : env.SMTP_HOST ? "smtp" : null;
}

let configuredTransport: MailTransport | undefined;

/** The environment's transport; the outbox when the environment sets no mail. */
export function mailTransportFromEnvironment(): MailTransport {
  configuredTransport ??= env.RESEND_API_KEY
    ? createResendTransport({ apiKey: env.RESEND_API_KEY, baseUrl: env.RESEND_BASE_URL })
    : env.SMTP_HOST
      ? createSmtpTransport({
          host: env.SMTP_HOST,
          port: env.SMTP_PORT,
          secure: env.SMTP_SECURE,
          user: env.SMTP_USER,
          password: env.SMTP_PASSWORD,
        })
      : createOutboxTransport();
  return configuredTransport;
}
