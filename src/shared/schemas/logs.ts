import { z } from "zod";
import { hasControlCharacter } from "./account";

/** The System logs page's six tabs (seed 003), in its order, with the names it gives them. */
export const systemLogCategoryNames = ["startup_info", "periodic_tasks", "startup_errors", "package_installs", "user_tasks", "api_errors"] as const;
export type SystemLogCategoryName = (typeof systemLogCategoryNames)[number];
export const systemLogCategoryLabels: Record<SystemLogCategoryName, string> = {
  startup_info: "Startup info",
  periodic_tasks: "Periodic tasks",
  startup_errors: "Startup errors",
  package_installs: "Package installs",
  user_tasks: "User tasks",
  api_errors: "API errors",
};

const cursorSchema = z
  .string()
  .max(200)
  .refine((cursor) => !hasControlCharacter(cursor), "This page no longer exists: start from the first page.")
  .optional();

const searchText = z
  .string()
  .trim()
  .max(200, "Search for at most 200 characters.")
  .refine((text) => !hasControlCharacter(text), "Search text cannot contain control characters.")
  .optional();

const timeRange = {
  /** Records at or after this time. */
  from: z.date("Give the start as a date and time.").optional(),
  /** Records before this time. */
  to: z.date("Give the end as a date and time.").optional(),
};

export const listSystemLogsSchema = z
  .object({
    category: z.enum(systemLogCategoryNames, "Unknown log."),
    query: searchText,
    ...timeRange,
    cursor: cursorSchema,
    limit: z.number().int().min(1).max(100).default(50),
  })
  .refine((input) => !input.from || !input.to || input.from < input.to, { path: ["to"], message: "The end must be after the start." });

/** The Logs page's two tabs (seed 003), each a kind of audit event. */
export const auditLogNames = ["platform", "authentication"] as const;
export type AuditLogName = (typeof auditLogNames)[number];

export const listAuditLogSchema = z
  .object({
    log: z.enum(auditLogNames, "Unknown log."),
    /** Events by or about this account (its name, as the trail labels it). */
    actor: z
      .string()
      .trim()
      .max(100)
      .refine((text) => !hasControlCharacter(text), "Names have no control characters.")
      .optional(),
    /** Only failures (authentication log). */
    failuresOnly: z.boolean().optional(),
    ...timeRange,
    cursor: cursorSchema,
    limit: z.number().int().min(1).max(100).default(50),
  })
  .refine((input) => !input.from || !input.to || input.from < input.to, { path: ["to"], message: "The end must be after the start." });

/** A datetime-local field's value ("2026-12-01T13:40"), read as UTC; anything else is no bound. */
export function parseUtcDateTime(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const date = new Date(`${value}${value.length === 16 ? ":00" : ""}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
