/**
 * Dashboard notifications: the bell in the top bar. Others' doings that concern an account (being added to an
 * organization or a group) leave one here, and an e-mail through the queue.
 */
import { and, count, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { notificationIdSchema } from "@/shared/schemas/organizations";
import { pageSchema } from "@/shared/schemas/account";
import { assertCan, requireUser, type Actor } from "../authz";
import type { Db } from "../db";
import { notifications } from "../db/schema";
import { AppError } from "../errors";

export interface NewNotification {
  userId: string;
  kind: "organization.member_added" | "group.member_added" | "group.member_removed" | "package.collaborator_added" | "package.transferred";
  message: string;
  link?: string;
  details?: Record<string, unknown>;
}

/** Written in the caller's transaction, with the change it tells of. */
export async function notify(tx: Db, notification: NewNotification): Promise<void> {
  await tx.insert(notifications).values({ ...notification, link: notification.link ?? null, details: notification.details ?? {} });
}

export async function listNotifications(db: Db, actor: Actor, rawInput: z.input<typeof pageSchema>) {
  assertCan(actor, "notification:read");
  const { user } = requireUser(actor);
  const input = pageSchema.parse(rawInput);
  const [items, [total], [unread]] = await Promise.all([
    db
      .select()
      .from(notifications)
      .where(eq(notifications.userId, user.id))
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(input.pageSize)
      .offset((input.page - 1) * input.pageSize),
    db.select({ value: count() }).from(notifications).where(eq(notifications.userId, user.id)),
    db
      .select({ value: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, user.id), isNull(notifications.readAt))),
  ]);
  return { items, total: total?.value ?? 0, unread: unread?.value ?? 0, page: input.page, pageSize: input.pageSize };
}

/** The bell's number: cheap, on every page of a signed-in account. */
export async function unreadNotificationCount(db: Db, actor: Actor): Promise<number> {
  if (actor.kind !== "user") return 0;
  assertCan(actor, "notification:read");
  const [row] = await db
    .select({ value: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, actor.user.id), isNull(notifications.readAt)));
  return row?.value ?? 0;
}

export async function markNotificationRead(db: Db, actor: Actor, rawInput: z.input<typeof notificationIdSchema>): Promise<void> {
  assertCan(actor, "notification:update");
  const { user } = requireUser(actor);
  const { id } = notificationIdSchema.parse(rawInput);
  const updated = await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.id, id), eq(notifications.userId, user.id)))
    .returning({ id: notifications.id });
  if (updated.length === 0) throw new AppError("NOT_FOUND", "You have no such notification.");
}

export async function markAllNotificationsRead(db: Db, actor: Actor): Promise<void> {
  assertCan(actor, "notification:update");
  const { user } = requireUser(actor);
  await db
    .update(notifications)
    .set({ readAt: new Date() })
    .where(and(eq(notifications.userId, user.id), isNull(notifications.readAt)));
}
