/**
 * Where mail goes. One is chosen from the environment: Resend when RESEND_API_KEY is set, SMTP when SMTP_HOST
 * is, otherwise the outbox table (embedded mode), which admins read in the panel.
 */
import nodemailer from "nodemailer";
import { Resend } from "resend";
import { env } from "@/env";

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
  deliver(message: RenderedEmail): Promise<{ providerMessageId: string | null }>;
}

export function createOutboxTransport(): MailTransport {
  return { name: "outbox", keepsBody: true, deliver: async () => ({ providerMessageId: null }) };
}

export function createResendTransport(options: { apiKey: string; baseUrl?: string }): MailTransport {
  const client = new Resend(options.apiKey, options.baseUrl ? { baseUrl: options.baseUrl } : undefined);
  return {
    name: "resend",
    keepsBody: false,
    async deliver(message) {
      // Resend reports failures in the result rather than by throwing.
      const { data, error } = await client.emails.send({
        from: message.from,
        to: [message.to],
        subject: message.subject,
        html: message.html,
        text: message.text,
      });
      if (error || !data) throw new Error(`Resend refused the message: ${error?.message ?? "no response"}`);
      return { providerMessageId: data.id };
    },
  };
}

export function createSmtpTransport(options: {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
}): MailTransport {
  const transporter = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: options.user ? { user: options.user, pass: options.password ?? "" } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
  return {
    name: "smtp",
    keepsBody: false,
    async deliver(message) {
      const info = await transporter.sendMail(message);
      return { providerMessageId: info.messageId ?? null };
    },
  };
}

let configuredTransport: MailTransport | undefined;

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
