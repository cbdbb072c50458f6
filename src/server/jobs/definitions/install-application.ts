import { z } from "zod";
import { publicUrl } from "@/env";
import { runApplicationInstall } from "../../services/applications";
import { defineJob } from "../definition";

/**
 * Installs an application (Admin → Applications): resolve, download, install, check imports, in a fresh environment
 * beside the running one (services/applications.ts). pip reads this instance's own index at PUBLIC_URL.
 */
export const installApplicationJob = defineJob({
  id: "install-application",
  description: "Installs an application's version or commit into a new Python environment from this Granary's index (Admin → Applications)",
  input: z.object({ applicationId: z.uuid(), installId: z.uuid() }),
  priority: "high",
  // A second attempt only for a worker that died halfway: a finished install is not redone, a failed one fails again.
  retries: { limit: 1, delaySeconds: 30, backoff: false },
  timeoutSeconds: 1800,
  // One install per application at a time: two would race to switch it.
  concurrencyKey: (input) => input.applicationId,
  async run(input, { db, log, progress, signal }) {
    return runApplicationInstall(db, input.installId, { indexBaseUrl: publicUrl(), progress, log: (message) => log.info(message), signal });
  },
});
