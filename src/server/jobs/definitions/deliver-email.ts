import { z } from "zod";
import { deliverEmail } from "../../email/delivery";
import { emailTemplates, type EmailTemplateName } from "../../email/templates";
import { defineJob } from "../definition";

const templateNames = Object.keys(emailTemplates) as [EmailTemplateName, ...EmailTemplateName[]];

/** Every e-mail Granary sends: rendered and delivered here, never in the request that asked for it. */
export const deliverEmailJob = defineJob({
  id: "deliver-email",
  description: "Renders an e-mail and delivers it through the configured transport (outbox, Resend or SMTP)",
  input: z.object({
    to: z.email(),
    template: z.enum(templateNames),
    props: z.record(z.string(), z.unknown()),
    /** Template properties that carry a secret (a one-time link), kept apart so they can be sealed. */
    secretProps: z.record(z.string(), z.string()).default({}),
  }),
  priority: "high",
  retries: { limit: 4, delaySeconds: 30, backoff: true },
  timeoutSeconds: 60,
  secretFields: ["secretProps"],
  async run(input, { db, mailer, runId, log }) {
    const { status, error, transport } = await deliverEmail(
      db,
      { to: input.to, template: input.template, props: { ...input.props, ...input.secretProps } as never },
      mailer,
      { jobRunId: runId },
    );
    if (status === "failed") {
      log.warn(`Delivery through ${transport} failed: ${error}`);
      throw new Error(`The ${input.template} e-mail could not be delivered through ${transport}: ${error}`);
    }
    log.info(`Delivered "${input.template}" through ${transport} (${status}).`);
    return { status, transport };
  },
});
