import { listAdminOrganizationsSchema, listAdminUsersSchema, passwordResetLinkSchema, profileMembershipsSchema, securityEventSchema, securityLogFilterSchema, setUserAdminSchema } from "@/shared/schemas/admin-people";
import { listAdminOrganizations } from "../../services/admin-organizations";
import * as adminUsers from "../../services/admin-users";
import { listProfileMemberships } from "../../services/profiles";
import * as securityLog from "../../services/security-log";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

/** Admin → Users, Admin → Organizations, Staff → Password Reset and the Security Log. */
export const adminPeopleRouter = router({
  listUsers: authenticatedProcedure
    .meta({ permission: "admin:users:read" })
    .input(listAdminUsersSchema)
    .query(({ ctx, input }) => adminUsers.listAdminUsers(ctx.db, ctx.actor, input)),
  setUserAdmin: authenticatedProcedure
    .meta({ permission: "admin:users:update" })
    .input(setUserAdminSchema)
    .mutation(({ ctx, input }) => adminUsers.setUserAdmin(ctx.db, ctx.actor, input)),
  createPasswordResetLink: authenticatedProcedure
    .meta({ permission: "admin:users:update" })
    .input(passwordResetLinkSchema)
    .mutation(({ ctx, input }) => adminUsers.createPasswordResetLink(ctx.db, ctx.actor, input)),
  listOrganizations: authenticatedProcedure
    .meta({ permission: "admin:organizations:read" })
    .input(listAdminOrganizationsSchema)
    .query(({ ctx, input }) => listAdminOrganizations(ctx.db, ctx.actor, input)),
  listSecurityEvents: authenticatedProcedure
    .meta({ permission: "admin:audit:read" })
    .input(securityLogFilterSchema)
    .query(({ ctx, input }) => securityLog.listSecurityEvents(ctx.db, ctx.actor, input)),
  securityLogActions: authenticatedProcedure
    .meta({ permission: "admin:audit:read" })
    .query(({ ctx }) => securityLog.listSecurityLogActions(ctx.db, ctx.actor)),
  getSecurityEvent: authenticatedProcedure
    .meta({ permission: "admin:audit:read" })
    .input(securityEventSchema)
    .query(({ ctx, input }) => securityLog.getSecurityEvent(ctx.db, ctx.actor, input)),
});

/** What a profile shows besides its packages. */
export const profilesRouter = router({
  memberships: publicProcedure
    .meta({ permission: "site:read" })
    .input(profileMembershipsSchema)
    .query(({ ctx, input }) => listProfileMemberships(ctx.db, ctx.actor, input)),
});
