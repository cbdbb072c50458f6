import { z } from "zod";
import { sendLicenseNotices } from "../../services/license";
import { defineJob, scheduleStarter } from "../definition";

/** Once a day: e-mails site administrators 30, 7 and 1 days before the license ends, and once after; each notice once per license. */
export const licenseNoticesJob = defineJob({
  id: "license-notices",
  description: "E-mails site administrators 30, 7 and 1 days before the license ends, and once after it has ended",
  input: z.object({}),
  priority: "default",
  retries: { limit: 3, delaySeconds: 300, backoff: true },
  timeoutSeconds: 300,
  schedule: { cron: "41 6 * * *" },
  async run(_input, { db, log, progress }) {
    const { notice, sent } = await sendLicenseNotices(db, { startedBy: scheduleStarter });
    log.info(notice ? `${sent} administrator(s) e-mailed the ${notice.replace("_", " ")} notice (or it was sent before).` : "No license notice is due.");
    progress(100, "done");
    return { notice, sent };
  },
});
