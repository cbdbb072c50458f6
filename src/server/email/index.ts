import type { Db } from "../db";
import { enqueue } from "../jobs/enqueue";
import { deliverEmailJob } from "../jobs/definitions/deliver-email";
import type { JobStarter } from "../jobs/definition";
import { secretEmailProps, type EmailTemplateName, type EmailTemplateProps } from "./templates";

export { deliverEmail, renderEmail, type EmailMessage, type EmailStatus } from "./delivery";

/**
 * Queues a message for delivery (the deliver-email job renders, delivers and records it). The request only writes
 * the job, so it answers as fast whether or not mail is sent, and a slow or failing mail server never holds it up.
 * Pass the open transaction as `db` to queue the message with the change it announces.
 */
export async function sendEmail<Name extends EmailTemplateName>(
  db: Db,
  message: { to: string; template: Name; props: EmailTemplateProps<Name> },
  options: { startedBy?: JobStarter } = {},
): Promise<{ runId: string }> {
  const secretNames = new Set<string>(secretEmailProps[message.template] ?? []);
  const props: Record<string, unknown> = {};
  const secretProps: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.props as Record<string, unknown>)) {
    if (secretNames.has(name)) secretProps[name] = String(value);
    else props[name] = value;
  }
  return enqueue(db, deliverEmailJob, { to: message.to, template: message.template, props, secretProps }, options);
}
