import { pageSchema } from "@/shared/schemas/account";
import { listExceptionGroupsSchema } from "@/shared/schemas/exceptions";
import { idSchema, listActiveUsersSchema, listOrganizationsSchema, listUsersSchema, setUserActiveSchema, siteSettingsSchema } from "@/shared/schemas/admin";
import { directoryGroupMappingRefSchema, directoryGroupMappingSchema, keepsLocalPasswordSchema, ldapSettingsSchema, testLdapConnectionSchema } from "@/shared/schemas/ldap";
import * as admin from "../../services/admin";
import * as exceptions from "../../services/exceptions";
import * as ldapAccounts from "../../services/ldap-accounts";
import { getLdapSettings, testLdapConnection, updateLdapSettings } from "../../services/ldap-settings";
import { getSiteSettings, updateSiteSettings } from "../../services/site-settings";
import { publicProcedure, router, authenticatedProcedure } from "../trpc";

export const adminRouter = router({
  listUsers: authenticatedProcedure
    .meta({ permission: "admin:users:read" })
    .input(listUsersSchema)
    .query(({ ctx, input }) => admin.listUsers(ctx.db, ctx.actor, input)),
  listOrganizations: authenticatedProcedure
    .meta({ permission: "admin:organizations:read" })
    .input(listOrganizationsSchema)
    .query(({ ctx, input }) => admin.listOrganizations(ctx.db, ctx.actor, input)),
  setUserActive: authenticatedProcedure
    .meta({ permission: "admin:users:update" })
    .input(setUserActiveSchema)
    .mutation(({ ctx, input }) => admin.setUserActive(ctx.db, ctx.actor, input)),
  updateSettings: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(siteSettingsSchema)
    .mutation(({ ctx, input }) => updateSiteSettings(ctx.db, ctx.actor, input)),
  listOutbox: authenticatedProcedure
    .meta({ permission: "admin:outbox:read" })
    .input(pageSchema)
    .query(({ ctx, input }) => admin.listOutbox(ctx.db, ctx.actor, input)),
  getOutboxMessage: authenticatedProcedure
    .meta({ permission: "admin:outbox:read" })
    .input(idSchema)
    .query(({ ctx, input }) => admin.getOutboxMessage(ctx.db, ctx.actor, input)),
  listExceptions: authenticatedProcedure
    .meta({ permission: "admin:exceptions:read" })
    .input(listExceptionGroupsSchema)
    .query(({ ctx, input }) => exceptions.listExceptionGroups(ctx.db, ctx.actor, input)),
  unreadExceptionCount: authenticatedProcedure
    .meta({ permission: "admin:exceptions:read" })
    .query(({ ctx }) => exceptions.countUnreadExceptions(ctx.db, ctx.actor)),
  markExceptionsRead: authenticatedProcedure
    .meta({ permission: "admin:exceptions:update" })
    .mutation(({ ctx }) => exceptions.markExceptionsRead(ctx.db, ctx.actor)),
  listActiveUsers: authenticatedProcedure
    .meta({ permission: "admin:users:read" })
    .input(listActiveUsersSchema)
    .query(({ ctx, input }) => admin.listActiveUsers(ctx.db, ctx.actor, input)),
  ldapSettings: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .query(({ ctx }) => getLdapSettings(ctx.db, ctx.actor)),
  updateLdapSettings: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(ldapSettingsSchema)
    .mutation(({ ctx, input }) => updateLdapSettings(ctx.db, ctx.actor, input)),
  testLdapConnection: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(testLdapConnectionSchema)
    .mutation(({ ctx, input }) => testLdapConnection(ctx.db, ctx.actor, input)),
  listDirectoryGroupMappings: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .query(({ ctx }) => ldapAccounts.listDirectoryGroupMappings(ctx.db, ctx.actor)),
  createDirectoryGroupMapping: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(directoryGroupMappingSchema)
    .mutation(({ ctx, input }) => ldapAccounts.createDirectoryGroupMapping(ctx.db, ctx.actor, input)),
  deleteDirectoryGroupMapping: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(directoryGroupMappingRefSchema)
    .mutation(({ ctx, input }) => ldapAccounts.deleteDirectoryGroupMapping(ctx.db, ctx.actor, input)),
  listLocalPasswordAccounts: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .query(({ ctx }) => ldapAccounts.listLocalPasswordAccounts(ctx.db, ctx.actor)),
  setKeepsLocalPassword: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(keepsLocalPasswordSchema)
    .mutation(({ ctx, input }) => ldapAccounts.setKeepsLocalPassword(ctx.db, ctx.actor, input)),
  listSecurityLog: authenticatedProcedure
    .meta({ permission: "admin:audit:read" })
    .input(pageSchema)
    .query(({ ctx, input }) => admin.listSecurityLog(ctx.db, ctx.actor, input)),
});

export const siteRouter = router({
  /** What every visitor may know about the site: whether it takes sign-ups, and where accounts come from. */
  settings: publicProcedure.meta({ permission: "site:read" }).query(({ ctx }) => getSiteSettings(ctx.db)),
});
