import { z } from "zod";
import { pageSchema } from "@/shared/schemas/account";
import {
  addMemberSchema,
  createGroupSchema,
  createOrganizationSchema,
  deleteOrganizationSchema,
  groupMemberSchema,
  groupRefSchema,
  memberRefSchema,
  notificationIdSchema,
  organizationRefSchema,
  setMemberRoleSchema,
  updateGroupSchema,
} from "@/shared/schemas/organizations";
import * as groups from "../../services/groups";
import * as notifications from "../../services/notifications";
import * as organizations from "../../services/organizations";
import { getBlobStore } from "../../storage";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

const ok = { ok: true as const };

export const organizationsRouter = router({
  create: authenticatedProcedure
    .meta({ permission: "organization:create" })
    .input(createOrganizationSchema)
    .mutation(({ ctx, input }) => organizations.createOrganization(ctx.db, ctx.actor, input)),
  /** Everyone may see an organization's profile; its members also see its members and their own standing. */
  get: publicProcedure
    .meta({ permission: "package:read" })
    .input(organizationRefSchema)
    .query(({ ctx, input }) => organizations.getOrganization(ctx.db, ctx.actor, input)),
  mine: authenticatedProcedure
    .meta({ permission: "organization:read" })
    .input(z.object({ administeredOnly: z.boolean().default(false) }).default({ administeredOnly: false }))
    .query(({ ctx, input }) => organizations.listMyOrganizations(ctx.db, ctx.actor, input)),
  members: authenticatedProcedure
    .meta({ permission: "organization:read" })
    .input(organizationRefSchema)
    .query(({ ctx, input }) => organizations.listMembers(ctx.db, ctx.actor, input)),
  addMember: authenticatedProcedure
    .meta({ permission: "organization:update" })
    .input(addMemberSchema)
    .mutation(async ({ ctx, input }) => {
      await organizations.addMember(ctx.db, ctx.actor, input);
      return ok;
    }),
  removeMember: authenticatedProcedure
    .meta({ permission: "organization:update" })
    .input(memberRefSchema)
    .mutation(async ({ ctx, input }) => {
      await organizations.removeMember(ctx.db, ctx.actor, input);
      return ok;
    }),
  setMemberRole: authenticatedProcedure
    .meta({ permission: "organization:update" })
    .input(setMemberRoleSchema)
    .mutation(async ({ ctx, input }) => {
      await organizations.setMemberRole(ctx.db, ctx.actor, input);
      return ok;
    }),
  delete: authenticatedProcedure
    .meta({ permission: "organization:delete" })
    .input(deleteOrganizationSchema)
    .mutation(async ({ ctx, input }) => {
      await organizations.deleteOrganization(ctx.db, ctx.actor, input, getBlobStore());
      return ok;
    }),
  groups: authenticatedProcedure
    .meta({ permission: "organization:read" })
    .input(organizationRefSchema)
    .query(({ ctx, input }) => groups.listGroups(ctx.db, ctx.actor, input)),
  myGroups: authenticatedProcedure.meta({ permission: "organization:read" }).query(({ ctx }) => groups.listMyGroups(ctx.db, ctx.actor)),
  createGroup: authenticatedProcedure
    .meta({ permission: "group:update" })
    .input(createGroupSchema)
    .mutation(async ({ ctx, input }) => {
      const group = await groups.createGroup(ctx.db, ctx.actor, input);
      return { name: group.name };
    }),
  updateGroup: authenticatedProcedure
    .meta({ permission: "group:update" })
    .input(updateGroupSchema)
    .mutation(async ({ ctx, input }) => {
      await groups.updateGroup(ctx.db, ctx.actor, input);
      return ok;
    }),
  deleteGroup: authenticatedProcedure
    .meta({ permission: "group:update" })
    .input(groupRefSchema)
    .mutation(async ({ ctx, input }) => {
      await groups.deleteGroup(ctx.db, ctx.actor, input);
      return ok;
    }),
  addGroupMember: authenticatedProcedure
    .meta({ permission: "group:update" })
    .input(groupMemberSchema)
    .mutation(async ({ ctx, input }) => {
      await groups.addGroupMember(ctx.db, ctx.actor, input);
      return ok;
    }),
  removeGroupMember: authenticatedProcedure
    .meta({ permission: "group:update" })
    .input(groupMemberSchema)
    .mutation(async ({ ctx, input }) => {
      await groups.removeGroupMember(ctx.db, ctx.actor, input);
      return ok;
    }),
});

export const notificationsRouter = router({
  list: authenticatedProcedure
    .meta({ permission: "notification:read" })
    .input(pageSchema)
    .query(({ ctx, input }) => notifications.listNotifications(ctx.db, ctx.actor, input)),
  unreadCount: authenticatedProcedure.meta({ permission: "notification:read" }).query(({ ctx }) => notifications.unreadNotificationCount(ctx.db, ctx.actor)),
  markRead: authenticatedProcedure
    .meta({ permission: "notification:update" })
    .input(notificationIdSchema)
    .mutation(async ({ ctx, input }) => {
      await notifications.markNotificationRead(ctx.db, ctx.actor, input);
      return ok;
    }),
  markAllRead: authenticatedProcedure.meta({ permission: "notification:update" }).mutation(async ({ ctx }) => {
    await notifications.markAllNotificationsRead(ctx.db, ctx.actor);
    return ok;
  }),
});
