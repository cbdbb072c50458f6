import { z } from "zod";
import { maxTaskTimeoutSeconds } from "@/shared/schemas/application-tasks";
import { runTaskRun } from "../../services/application-tasks";
import { defineJob } from "../definition";

/**
 * Runs a user's task (Tools → Applications) in a subprocess of its application's environment, in the user-tasks
 * queue: apart from Granary's own work, so that a burst of runs never holds up an install or the mail.
 */
export const runApplicationTaskJob = defineJob({
  id: "run-application-task",
  description: "Runs a task of an application for a user, in a subprocess of the application's environment (Tools → Applications)",
  input: z.object({ taskRunId: z.uuid() }),
  priority: "user-tasks",
  // Never again by itself: a task is not assumed safe to run twice. The user reruns it.
  retries: { limit: 0, delaySeconds: 0, backoff: false },
  // The run's own timeout (the application's) kills the process; this only bounds a stuck attempt.
  timeoutSeconds: maxTaskTimeoutSeconds + 300,
  async run(input, { db, blobs, progress, signal }) {
    return runTaskRun(db, input.taskRunId, { blobs, signal, progress });
  },
});
