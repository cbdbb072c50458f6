/**
 * Admin → Security Log (seed 000): every audit event, newest first, filtered by action, by who acted and by a range
 * of days, with each event's every field on its own page.
 *
 * Fast at 1,000,000 events (bench/admin.ts): pages follow one another by the last event shown (keyset on time and
 * id, read from an index whatever the filter), and the total is counted only up to `countCap`: past it the page
 * says "more than 10,000", since an exact count of a million rows would take longer than the page itself.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { securityEventSchema, securityLogFilterSchema } from "@/shared/schemas/admin-people";
import { assertCan, type Actor } from "../authz";
import type { Db } from "../db";
import { auditEvents, users } from "../db/schema";
import { AppError } from "../errors";
import { isPersonalAccount } from "./account-records";
import { auditActions, type AuditAction } from "./audit";

/** Totals are exact up to here; beyond, the page says "more than" this. */
export const countCap = 10_000;

const day = 24 * 60 * 60 * 1000;

export function describeAction(action: string): string {
  return auditActions[action as AuditAction] ?? action;
}

export async function listSecurityEvents(db: Db, actor: Actor, rawInput: z.input<typeof securityLogFilterSchema>) {
  assertCan(actor, "admin:audit:read");
  const input = securityLogFilterSchema.parse(rawInput);
  let actorId: string | null = null;
  if (input.actor) {
    const [person] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(isPersonalAccount, sql`lower(${users.username}) = ${input.actor.toLowerCase()}`));
    if (!person) throw AppError.field("actor", `No account is named ${input.actor}.`);
    actorId = person.id;
  }
  const conditions: SQL[] = [];
  if (input.action) conditions.push(sql`e.action = ${input.action}`);
  if (actorId) conditions.push(sql`e.actor_user_id = ${actorId}`);
  if (input.from) conditions.push(sql`e.created_at >= ${`${input.from}T00:00:00Z`}::timestamptz`);
  // Both ends are whole days (UTC), the last one included.
  if (input.until) conditions.push(sql`e.created_at < ${new Date(Date.parse(`${input.until}T00:00:00Z`) + day).toISOString()}::timestamptz`);
  const filtered = conditions.length ? sql.join(conditions, sql` and `) : sql`true`;
  const page = input.after
    ? sql`${filtered} and (e.created_at, e.id) < (select a.created_at, a.id from audit_events as a where a.id = ${input.after})`
    : filtered;
  const [rows, [counted]] = await Promise.all([
    db.execute<{
      id: string;
      action: string;
      actor_user_id: string | null;
      actor_label: string;
      actor_username: string | null;
      target_label: string | null;
      target_type: string;
      ip_address: string | null;
      created_at: string | Date;
    }>(sql`select e.id, e.action, e.actor_user_id, e.actor_label, actor.username as actor_username, e.target_type, e.target_label,
        e.ip_address, e.created_at
      from audit_events as e left join users as actor on actor.id = e.actor_user_id
      where ${page}
      order by e.created_at desc nulls last, e.id desc nulls last
      limit ${input.pageSize + 1}`),
    db.execute<{ total: number }>(sql`select count(*)::int as total from (select 1 from audit_events as e where ${filtered} limit ${countCap + 1}) as capped`),
  ]);
  const items = rows.slice(0, input.pageSize).map((row) => ({
    id: row.id,
    action: row.action,
    description: describeAction(row.action),
    actorLabel: row.actor_label,
    actorUsername: row.actor_username,
    targetType: row.target_type,
    targetLabel: row.target_label,
    ipAddress: row.ip_address,
    createdAt: new Date(row.created_at),
  }));
  const total = counted?.total ?? 0;
  return {
    items,
    nextAfter: rows.length > input.pageSize ? (items.at(-1)?.id ?? null) : null,
    total: Math.min(total, countCap),
    totalIsCapped: total > countCap,
    pageSize: input.pageSize,
  };
}

/**
 * The actions that occur in the trail, for the filter's choices. DISTINCT over a million rows would read them
 * all; this walks the (action, time) index from one action to the next instead, one probe per action.
 */
export async function listSecurityLogActions(db: Db, actor: Actor) {
  assertCan(actor, "admin:audit:read");
  const rows = await db.execute<{ action: string }>(sql`
    with recursive present(action) as (
      (select action from audit_events order by action limit 1)
      union all
      select (select e.action from audit_events as e where e.action > present.action order by e.action limit 1)
      from present where present.action is not null
    )
    select action from present where action is not null`);
  return rows.map((row) => ({ action: row.action, description: describeAction(row.action) }));
}

/** Every field of one event, as the seed's detail page shows it. */
export async function getSecurityEvent(db: Db, actor: Actor, rawInput: z.input<typeof securityEventSchema>) {
  assertCan(actor, "admin:audit:read");
  const { id } = securityEventSchema.parse(rawInput);
  const [event] = await db.select().from(auditEvents).where(eq(auditEvents.id, id));
  if (!event) throw new AppError("NOT_FOUND", "This event does not exist.");
  const named = await db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(sql`${users.id} in (${event.actorUserId ?? sql`null`}, ${event.subjectUserId ?? sql`null`})`);
  const usernameOf = (userId: string | null) => (userId ? (named.find((user) => user.id === userId)?.username ?? null) : null);
  return {
    ...event,
    description: describeAction(event.action),
    actorUsername: usernameOf(event.actorUserId),
    subjectUsername: usernameOf(event.subjectUserId),
  };
}
