import { z } from "zod";
import { deletePublicObjects } from "../../services/public-objects-deletion";
import { defineJob } from "../definition";

/** Admin → Actions → Delete all public objects (services/public-objects-deletion.ts). */
export const deletePublicObjectsJob = defineJob({
  id: "delete-public-objects",
  description: "Deletes every public package and its files, leaving private packages (Admin → Actions)",
  input: z.object({ requestedByUserId: z.uuid() }),
  priority: "high",
  // Safe to run again: what was deleted is gone, and the rest is deleted the same way.
  retries: { limit: 2, delaySeconds: 30, backoff: true },
  timeoutSeconds: 3600,
  async run(input, { db, blobs, log, progress, signal }) {
    progress(0, "Counting public packages");
    const result = await deletePublicObjects(db, blobs, input, {
      signal,
      onProgress: (deleted, total) => progress(total === 0 ? 100 : Math.min(99, Math.floor((deleted / total) * 100)), `Deleted ${deleted} of ${total} public packages`),
    });
    const summary = `Deleted ${result.packages} public packages and ${result.files} files`;
    progress(100, result.stoppedBecause ? `${summary}, then stopped` : summary);
    if (result.stoppedBecause) log.warn(result.stoppedBecause);
    log.info(`Deleted ${result.packages} public package(s) and ${result.files} file(s).`);
    return result;
  },
});
