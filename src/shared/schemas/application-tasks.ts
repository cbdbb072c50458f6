/**
 * Tools → Applications inputs, shared by the forms and the tRPC procedures. A run's input is checked against its
 * task's JSON Schema on the server; its errors land on the form's fields by property name (`input` for the whole).
 */
import { z } from "zod";
import { hasControlCharacter } from "./account";

/** A run's input, as JSON text, is at most this long: it is stored with the run and handed to the task on stdin. */
export const maxTaskInputCharacters = 64 * 1024;

export const taskNameSchema = z
  .string({ error: "Choose a task." })
  .trim()
  .min(1, "Choose a task.")
  .max(200, "Task names are at most 200 characters.")
  .refine((name) => !hasControlCharacter(name), "Task names have no control characters.");

export const startTaskRunSchema = z.object({
  applicationId: z.uuid("That is not an application."),
  task: taskNameSchema,
  input: z
    .unknown()
    .refine((value) => value !== undefined, "Give the task an input.")
    .refine((value) => {
      try {
        return JSON.stringify(value).length <= maxTaskInputCharacters;
      } catch {
        return false;
      }
    }, `The input is JSON of at most ${maxTaskInputCharacters / 1024} KiB.`)
    // PostgreSQL's jsonb cannot hold a NUL character, even escaped; no task needs one.
    .refine((value) => !JSON.stringify(value ?? null).includes("\\u0000"), "The input cannot contain NUL characters."),
});
export type StartTaskRunInput = z.input<typeof startTaskRunSchema>;

export const taskRunIdSchema = z.object({ id: z.uuid("There is no such run.") });

export const listTaskRunsSchema = z.object({
  /** Every user's runs (site administrators); otherwise the actor's own. */
  everyone: z.boolean().default(false),
  cursor: z
    .string()
    .max(200)
    .refine((cursor) => !hasControlCharacter(cursor), "This page of runs cannot be found.")
    .optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const taskRunFileSchema = z.object({ runId: z.uuid("There is no such run."), objectId: z.uuid("There is no such file.") });

export const defaultTaskTimeoutSeconds = 300;
/** The job that runs a task must fit pg-boss's expiry (at most a day), with room to record what came of it. */
export const maxTaskTimeoutSeconds = 6 * 60 * 60;
export const defaultTaskMemoryLimitMebibytes = 1024;

export const taskSettingsSchema = z.object({
  applicationId: z.uuid("That is not an application."),
  timeoutSeconds: z.coerce
    .number({ error: "Enter a number of seconds." })
    .int("Enter a whole number of seconds.")
    .min(1, "A task may run for at least 1 second.")
    .max(maxTaskTimeoutSeconds, "A task may run for at most 21,600 seconds (6 hours)."),
  memoryLimitMebibytes: z.coerce
    .number({ error: "Enter a number of MiB." })
    .int("Enter a whole number of MiB.")
    .min(64, "Give a task at least 64 MiB: Python itself needs some.")
    .max(256 * 1024, "A task may have at most 262,144 MiB."),
});
export type TaskSettingsInput = z.input<typeof taskSettingsSchema>;

export const taskRunStatusLabels = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
} as const;
