import { count, desc, eq } from "drizzle-orm";
import { actorLabel, isCommandLine, type Actor } from "../authz";
import type { Db } from "../db";
import { auditEvents } from "../db/schema";

/** Every security-relevant action's name, so the trail can be filtered and shown consistently. */
export const auditActions = {
  "account.sign_up": "Signed up",
  "account.sign_up_throttled": "Sign-up refused: too many from this address",
  "auth.sign_in": "Signed in",
  "auth.sign_in_failed": "Failed sign-in",
  "auth.sign_in_throttled": "Sign-in throttled",
  "auth.sign_out": "Signed out",
  "auth.password_used_from_new_ip": "Used the password from a new address (package client or script)",
  "auth.sign_out_everywhere": "Signed out everywhere",
  "auth.session_revoked": "Ended a session",
  "account.password_changed": "Changed password",
  "account.password_reset_requested": "Requested a password reset",
  "account.password_reset_completed": "Reset password",
  "account.username_reminder_sent": "Requested a username reminder",
  "account.email_change_requested": "Requested an e-mail change",
  "account.email_changed": "Changed e-mail address",
  "account.profile_updated": "Updated profile",
  "account.deleted": "Deleted account",
  "admin.first_admin_created": "First administrator created",
  "admin.user_deactivated": "Deactivated an account",
  "admin.user_reactivated": "Reactivated an account",
  "admin.user_admin_granted": "Made an account a site administrator",
  "admin.user_admin_revoked": "Took an account's site administration away",
  "admin.password_reset_link_created": "Generated a password-reset link for an account",
  "admin.settings_updated": "Changed site settings",
  "admin.job_retried": "Retried a background job",
  "admin.job_cancelled": "Cancelled a background job",
  "admin.jobs_retried": "Retried a queue's failed jobs",
  "admin.periodic_task_started": "Ran a periodic task now",
  "admin.workers_restart_requested": "Asked the job workers to restart",
  "admin.exceptions_marked_read": "Marked the exceptions read",
  "admin.exception_resolved": "Resolved a group of exceptions",
  "admin.exception_reopened": "Reopened a group of exceptions",
  "admin.mail_settings_updated": "Changed the notification (mail) settings",
  "admin.test_email_sent": "Sent a test e-mail",
  "admin.daily_report_email_changed": "Turned the daily report e-mail on or off",
  "admin.read_only_enabled": "Put the site in read-only mode",
  "admin.read_only_disabled": "Took the site out of read-only mode",
  "admin.platform_restarted": "Restarted the platform (every server reloads its settings)",
  "admin.public_objects_deletion_started": "Started deleting all public objects",
  "admin.public_objects_deletion_finished": "Finished deleting all public objects",
  "admin.application_created": "Created an application",
  "admin.application_changed": "Changed an application's source or whether it is active",
  "admin.application_install_started": "Started installing an application",
  "admin.application_installed": "Installed an application",
  "admin.application_install_failed": "An application's install failed (the running version stays)",
  "admin.application_deleted": "Deleted an application and its environments",
  "admin.application_transfer_token_issued": "Got a transfer token for copying this platform's applications to another",
  "admin.application_transfer_started": "Another platform started a transfer of applications with a transfer token",
  "admin.application_transfer_finished": "Another platform finished a transfer of applications (its token is spent)",
  "admin.applications_transferred": "Transferred applications from another platform",
  "admin.application_task_settings_changed": "Changed an application's task timeout or memory limit",
  "task.run_started": "Ran an application's task",
  "task.run_cancelled": "Cancelled a task run",
  "package.file_uploaded": "Uploaded a file",
  "package.file_deleted": "Deleted a file",
  "package.deleted": "Deleted a package",
  "package.privacy_changed": "Changed a package's privacy",
  "package.labels_changed": "Changed a file's labels",
  "package.release_yanked": "Yanked a release",
  "package.release_unyanked": "Took back a release's yank",
  "token.created": "Created an access token",
  "token.revoked": "Revoked an access token",
  "token.expired": "An access token expired",
  "token.used_from_new_ip": "Used an access token from a new address",
  "token.leak_reported": "Revoked an access token reported as leaked",
  "account.email_confirmation_sent": "Sent an address confirmation",
  "account.email_confirmed": "Confirmed the e-mail address",
  "organization.created": "Created an organization",
  "organization.deleted": "Deleted an organization",
  "organization.member_added": "Added a member to an organization",
  "organization.member_removed": "Removed a member from an organization",
  "organization.member_role_changed": "Changed a member's role",
  "group.created": "Created a group",
  "group.updated": "Changed a group",
  "group.deleted": "Deleted a group",
  "group.member_added": "Added a member to a group",
  "group.member_removed": "Removed a member from a group",
  "group.package_added": "Gave a group access to a package",
  "group.package_removed": "Took a package from a group",
  "package.collaborator_added": "Added a collaborator",
  "package.collaborator_removed": "Removed a collaborator",
  "package.transferred": "Transferred a package",
  "plan.changed": "Changed plan",
  "plan.assigned": "Assigned a plan",
  "plan.updated": "Edited a plan",
  "auth.directory_unavailable": "Sign-in failed: the LDAP directory could not be reached",
  "ldap.account_created": "Account created from the LDAP directory",
  "ldap.account_refreshed": "Account refreshed from the LDAP directory",
  "ldap.account_linked": "Local account joined to its LDAP directory entry",
  "ldap.account_refused": "LDAP sign-in refused: the directory entry cannot become an account",
  "ldap.account_deactivated": "Deactivated: gone from the LDAP directory",
  "admin.ldap_settings_updated": "Changed the account type or LDAP settings",
  "admin.ldap_connection_tested": "Tested the LDAP connection",
  "admin.directory_group_mapped": "Mapped a directory group to a group",
  "admin.directory_group_unmapped": "Removed a directory group's mapping",
  "admin.local_password_kept": "Marked an account to keep its local password (break-glass)",
  "admin.local_password_dropped": "Took an account's break-glass local password away",
  "admin.license_installed": "Installed a license",
  "admin.license_refused": "Refused a license file",
  "admin.user_removed": "Removed an account and what it owns",
  "admin.backup_created": "Backed up the database and the stored files",
  "admin.backup_restored": "Restored the database and the stored files from a backup",
} as const;
export type AuditAction = keyof typeof auditActions;

export interface AuditEntry {
  action: AuditAction;
  target: { type: string; id?: string | null; label?: string | null };
  /** The account this event belongs to, shown on that account's Security history. */
  subjectUserId?: string | null;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    action: entry.action,
    actorUserId: actor.kind === "user" && !isCommandLine(actor) ? actor.user.id : null,
    actorLabel: actorLabel(actor),
    targetType: entry.target.type,
    targetId: entry.target.id ?? null,
    targetLabel: entry.target.label ?? null,
    subjectUserId: entry.subjectUserId ?? null,
    ipAddress: actor.origin.ipAddress,
    userAgent: actor.origin.userAgent,
    // Whatever is done with a token says which one, so a leaked token's doings can be traced.
    details: actor.kind === "user" && actor.token ? { ...entry.details, token: { id: actor.token.id, name: actor.token.name } } : (entry.details ?? {}),
  });
}

export async function listAuditEvents(
  db: Db,
  filter: { subjectUserId?: string; page: number; pageSize: number },
) {
  const where = filter.subjectUserId ? eq(auditEvents.subjectUserId, filter.subjectUserId) : undefined;
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(auditEvents)
      .where(where)
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize),
    db.select({ value: count() }).from(auditEvents).where(where),
  ]);
  return {
    items: rows.map((row) => ({ ...row, description: auditActions[row.action as AuditAction] ?? row.action })),
    total: total?.value ?? 0,
    page: filter.page,
    pageSize: filter.pageSize,
  };
}
