import { render } from "@react-email/render";
import { eq } from "drizzle-orm";
import { env } from "@/env";
import type { Db } from "../db";
import { emailMessages } from "../db/schema";
import { emailTemplates, type EmailTemplateName, type EmailTemplateProps } from "./templates";
import { MailServerError, type MailTransport } from "./transports";

export type EmailStatus = "stored" | "sent" | "failed";

export async function renderEmail<Name extends EmailTemplateName>(template: Name, props: EmailTemplateProps<Name>) {
  const { subject, body } = (emailTemplates[template] as (props: EmailTemplateProps<Name>) => ReturnType<(typeof emailTemplates)[Name]>)(props);
  const [html, text] = await Promise.all([render(body), render(body, { plainText: true })]);
  return { subject, html, text };
}

/**
 * Loads react-email's renderer (and the react-dom/server it imports on first use) now. The launcher runs a job worker
 * in the same process as Next, and once Next has prepared it resolves React to its own copy: a renderer loaded after
 * that fails with "dispatcher.getOwner is not a function". Called before Next starts.
 */
export async function prepareEmailRendering(): Promise<void> {
  await renderEmail("emailChanged", { username: "granary", newEmail: "granary@localhost" });
}

export interface EmailMessage<Name extends EmailTemplateName = EmailTemplateName> {
  to: string;
  template: Name;
  props: EmailTemplateProps<Name>;
}

/**
 * Renders a template, delivers it and records the message (the delivery job's body). Recorded once per delivery run:
 * an attempt after a failed one updates the same row, and a run that finds its message delivered already does not
 * send it again (outbox mail is delivered exactly once; Resend or SMTP may see a message twice only if a worker dies
 * between their answer and this row).
 */
export async function deliverEmail(
  db: Db,
  message: EmailMessage,
  configuredTransport: MailTransport,
  options: { jobRunId?: string } = {},
): Promise<{ status: EmailStatus; error: string | null; transport: MailTransport["name"]; reply: string | null }> {
  if (options.jobRunId) {
    const [existing] = await db
      .select({ status: emailMessages.status, transport: emailMessages.transport })
      .from(emailMessages)
      .where(eq(emailMessages.jobRunId, options.jobRunId));
    if (existing && existing.status !== "failed") return { status: existing.status, error: null, transport: existing.transport as MailTransport["name"], reply: null };
  }
  // Settings that change at run time (Admin → Notification) are read now, for this message.
  const transport = configuredTransport.resolve ? await configuredTransport.resolve(db) : configuredTransport;
  const { subject, html, text } = await renderEmail(message.template, message.props as never);
  const envelope = { from: transport.from || env.MAIL_FROM, to: message.to, subject, html, text };
  let status: EmailStatus = transport.name === "outbox" ? "stored" : "sent";
  let providerMessageId: string | null = null;
  let error: string | null = null;
  let reply: string | null = null;
  try {
    const delivered = await transport.deliver(envelope);
    providerMessageId = delivered.providerMessageId;
    reply = delivered.reply ?? null;
  } catch (deliveryError) {
    status = "failed";
    error = deliveryError instanceof Error ? deliveryError.message : String(deliveryError);
    reply = deliveryError instanceof MailServerError ? deliveryError.reply : error;
  }
  const row = {
    transport: transport.name,
    toAddress: message.to,
    subject,
    template: message.template,
    html: transport.keepsBody ? html : null,
    text: transport.keepsBody ? text : null,
    status,
    providerMessageId,
    error,
    jobRunId: options.jobRunId ?? null,
  };
  if (options.jobRunId) {
    await db.insert(emailMessages).values(row).onConflictDoUpdate({ target: emailMessages.jobRunId, set: { ...row, createdAt: new Date() } });
  } else {
    await db.insert(emailMessages).values(row);
  }
  return { status, error, transport: transport.name, reply };
}
