import { render } from "@react-email/render";
import { env } from "@/env";
import type { Db } from "../db";
import { emailMessages } from "../db/schema";
import { emailTemplates, type EmailTemplateName, type EmailTemplateProps } from "./templates";
import { mailTransportFromEnvironment, type MailTransport } from "./transports";

export async function renderEmail<Name extends EmailTemplateName>(template: Name, props: EmailTemplateProps<Name>) {
  const { subject, body } = (emailTemplates[template] as (props: EmailTemplateProps<Name>) => ReturnType<(typeof emailTemplates)[Name]>)(props);
  const [html, text] = await Promise.all([render(body), render(body, { plainText: true })]);
  return { subject, html, text };
}

/**
 * Renders a template, delivers it and records the message. A delivery failure is recorded and reported to the
 * caller's logs but does not fail the user's action: the same answer must come back whether or not mail works.
 */
export async function sendEmail<Name extends EmailTemplateName>(
  db: Db,
  message: { to: string; template: Name; props: EmailTemplateProps<Name> },
  transport: MailTransport = mailTransportFromEnvironment(),
): Promise<{ status: "stored" | "sent" | "failed" }> {
  const { subject, html, text } = await renderEmail(message.template, message.props);
  const envelope = { from: env.MAIL_FROM, to: message.to, subject, html, text };
  let status: "stored" | "sent" | "failed" = transport.name === "outbox" ? "stored" : "sent";
  let providerMessageId: string | null = null;
  let error: string | null = null;
  try {
    ({ providerMessageId } = await transport.deliver(envelope));
  } catch (deliveryError) {
    status = "failed";
    error = deliveryError instanceof Error ? deliveryError.message : String(deliveryError);
    console.error(`E-mail "${subject}" to ${message.to} could not be delivered through ${transport.name}: ${error}`);
  }
  await db.insert(emailMessages).values({
    transport: transport.name,
    toAddress: message.to,
    subject,
    template: message.template,
    html: transport.keepsBody ? html : null,
    text: transport.keepsBody ? text : null,
    status,
    providerMessageId,
    error,
  });
  return { status };
}
