/**
 * The admin panel's logs: the System logs (structured records from server/logging, one category per tab) and the
 * Logs page's two views of the audit trail, the platform log (what administrators did to the platform) and the
 * authentication log (sign-ins, from where, and whether they worked). All are newest first and keyset-paged.
 */
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { listAuditLogSchema, listSystemLogsSchema, type AuditLogName } from "@/shared/schemas/logs";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { AppError } from "../errors";
import { auditActions, type AuditAction } from "./audit";

function encodeCursor(time: Date, id: string | number): string {
  return Buffer.from(JSON.stringify([time.toISOString(), String(id)])).toString("base64url");
}

function decodeCursor(cursor: string, idPattern: RegExp): { time: string; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof time !== "string" || Number.isNaN(Date.parse(time)) || typeof id !== "string" || !idPattern.test(id)) throw new Error();
    return { time, id };
  } catch {
    throw AppError.field("cursor", "This page no longer exists: start from the first page.");
  }
}

/** `%` and `_` in what an administrator types are letters, not wildcards. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

function timeBounds(column: SQL, input: { from?: Date; to?: Date }): SQL {
  return sql`${input.from ? sql`and ${column} >= ${input.from.toISOString()}::timestamptz` : sql``}
    ${input.to ? sql`and ${column} < ${input.to.toISOString()}::timestamptz` : sql``}`;
}

export interface SystemLogRecord {
  id: number;
  level: string;
  category: string;
  message: string;
  context: unknown;
  requestId: string | null;
  loggedAt: Date;
}

export async function listSystemLogs(db: Db, actor: Actor, rawInput: z.input<typeof listSystemLogsSchema>) {
  assertCan(actor, "admin:logs:read");
  const input = listSystemLogsSchema.parse(rawInput);
  const after = input.cursor ? decodeCursor(input.cursor, /^\d{1,19}$/) : null;
  // The category and time range narrow the index first; the text is matched within them.
  const rows = await db.execute<{ id: string; level: string; category: string; message: string; context: unknown; request_id: string | null; logged_at: Date }>(sql`
    select id, level, category, message, context, request_id, logged_at from system_logs
    where category = ${input.category}
      ${timeBounds(sql`logged_at`, input)}
      ${input.query ? sql`and (message ilike ${containing(input.query)} or context::text ilike ${containing(input.query)} or request_id = ${input.query.trim()})` : sql``}
      ${after ? sql`and (logged_at, id) < (${after.time}::timestamptz, ${after.id}::bigint)` : sql``}
    order by logged_at desc, id desc
    limit ${input.limit + 1}`);
  const items: SystemLogRecord[] = rows.slice(0, input.limit).map((row) => ({
    id: Number(row.id),
    level: row.level,
    category: row.category,
    message: row.message,
    context: row.context,
    requestId: row.request_id,
    loggedAt: new Date(row.logged_at),
  }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last.loggedAt, last.id) : null };
}

/** Which audit actions each tab of the Logs page shows. */
export const auditLogActions: Record<AuditLogName, AuditAction[]> = {
  platform: [
    "admin.first_admin_created",
    "admin.settings_updated",
    "admin.user_deactivated",
    "admin.user_reactivated",
    "admin.workers_restart_requested",
    "admin.periodic_task_started",
    "admin.job_retried",
    "admin.job_cancelled",
    "admin.jobs_retried",
    "admin.exceptions_marked_read",
    "admin.exception_resolved",
    "admin.exception_reopened",
    "admin.mail_settings_updated",
    "admin.test_email_sent",
    "admin.daily_report_email_changed",
    "admin.read_only_enabled",
    "admin.read_only_disabled",
    "admin.platform_restarted",
    "admin.public_objects_deletion_started",
    "admin.public_objects_deletion_finished",
    "admin.application_created",
    "admin.application_changed",
    "admin.application_install_started",
    "admin.application_installed",
    "admin.application_install_failed",
    "admin.application_deleted",
    "admin.application_transfer_token_issued",
    "admin.application_transfer_started",
    "admin.application_transfer_finished",
    "admin.applications_transferred",
    "admin.application_task_settings_changed",
    "task.run_started",
    "task.run_cancelled",
    "account.password_reset_requested",
    "account.password_reset_completed",
    "plan.updated",
    "plan.assigned",
  ],
  authentication: [
    "auth.sign_in",
    "auth.sign_in_failed",
    "auth.sign_in_throttled",
    "auth.sign_out",
    "auth.sign_out_everywhere",
    "auth.session_revoked",
    "auth.password_used_from_new_ip",
  ],
};

const failedSignIns: AuditAction[] = ["auth.sign_in_failed", "auth.sign_in_throttled"];

export interface AuditLogEntry {
  id: string;
  action: string;
  description: string;
  succeeded: boolean;
  actorLabel: string;
  targetLabel: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

export async function listAuditLog(db: Db, actor: Actor, rawInput: z.input<typeof listAuditLogSchema>) {
  assertCan(actor, "admin:audit:read");
  const input = listAuditLogSchema.parse(rawInput);
  const after = input.cursor ? decodeCursor(input.cursor, /^[0-9a-f-]{36}$/) : null;
  const actions = input.failuresOnly && input.log === "authentication" ? failedSignIns : auditLogActions[input.log];
  const rows = await db.execute<{
    id: string;
    action: string;
    actor_label: string;
    target_label: string | null;
    ip_address: string | null;
    user_agent: string | null;
    details: Record<string, unknown>;
    created_at: Date;
  }>(sql`
    select id, action, actor_label, target_label, ip_address, user_agent, details, created_at from audit_events
    where action in (${sql.join(actions.map((action) => sql`${action}`), sql`, `)})
      ${timeBounds(sql`created_at`, input)}
      ${input.actor ? sql`and (lower(actor_label) = ${input.actor.toLowerCase()} or lower(target_label) = ${input.actor.toLowerCase()})` : sql``}
      ${after ? sql`and (created_at, id) < (${after.time}::timestamptz, ${after.id}::uuid)` : sql``}
    order by created_at desc, id desc
    limit ${input.limit + 1}`);
  const items: AuditLogEntry[] = rows.slice(0, input.limit).map((row) => ({
    id: row.id,
    action: row.action,
    description: auditActions[row.action as AuditAction] ?? row.action,
    succeeded: !failedSignIns.includes(row.action as AuditAction),
    actorLabel: row.actor_label,
    targetLabel: row.target_label,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    details: row.details,
    createdAt: new Date(row.created_at),
  }));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
