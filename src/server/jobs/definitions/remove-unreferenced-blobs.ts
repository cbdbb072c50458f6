import { z } from "zod";
import { removeUnreferencedBlobs } from "../../services/blob-references";
import { defineJob } from "../definition";

/** The daily sweep of stored bytes no package file refers to, and of uploads' leftovers (services/blob-references.ts). */
export const removeUnreferencedBlobsJob = defineJob({
  id: "remove-unreferenced-blobs",
  description: "Removes stored files no package refers to and the leftovers of uploads that never finished",
  input: z.object({}),
  priority: "low",
  retries: { limit: 2, delaySeconds: 600, backoff: true },
  timeoutSeconds: 3600,
  schedule: { cron: "17 4 * * *" },
  async run(_input, { db, blobs, log, progress }) {
    progress(0, "Listing stored files");
    const result = await removeUnreferencedBlobs(db, blobs, {
      onProgress: (checked, total) => progress(Math.min(95, Math.round((checked / Math.max(total, 1)) * 95)), `Checked ${checked} of ${total} stored files`),
    });
    progress(100, "Done");
    log.info(`Removed ${result.blobs} unreferenced stored file(s) and ${result.temporaryFiles} leftover temporary file(s).`);
    return result;
  },
});
