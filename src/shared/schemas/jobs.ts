import { z } from "zod";
import { hasControlCharacter } from "./account";

/** The queues, by priority: what the Task Queue lists and workers serve. */
export const jobQueueNames = ["high", "default", "low", "user-tasks"] as const;
export type JobQueueName = (typeof jobQueueNames)[number];

export const jobRunStatusNames = ["queued", "running", "succeeded", "failed", "cancelled", "retrying"] as const;
export type JobRunStatusName = (typeof jobRunStatusNames)[number];

export const jobRunStatusLabels: Record<JobRunStatusName, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  retrying: "Waiting to retry",
};

const queueSchema = z.enum(jobQueueNames, "Unknown queue: use high, default, low or user-tasks.");

export const listJobRunsSchema = z.object({
  queue: queueSchema,
  /** Runs in any of these states; all when absent. */
  statuses: z.array(z.enum(jobRunStatusNames, "Unknown status.")).max(jobRunStatusNames.length).optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z
    .string()
    .max(200)
    .refine((cursor) => !hasControlCharacter(cursor), "This page of runs cannot be found.")
    .optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const jobRunIdSchema = z.object({ id: z.uuid("Unknown run.") });

export const jobQueueSchema = z.object({ queue: queueSchema });

export const periodicTaskSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Name a periodic task.")
    .max(100)
    .refine((name) => !hasControlCharacter(name), "There is no such periodic task."),
});
