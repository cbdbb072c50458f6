import { generalSettingsSchema, statisticsPeriodSchema } from "@/shared/schemas/site-general";
import { getEffectiveConfiguration } from "../../services/effective-configuration";
import { getGeneralSettings, updateGeneralSettings } from "../../services/general-settings";
import { getPlatformInfo } from "../../services/platform-info";
import { getSiteStatistics } from "../../services/site-statistics";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → General, Config and Stats. */
export const siteAdminRouter = router({
  generalSettings: authenticatedProcedure.meta({ permission: "admin:settings:update" }).query(({ ctx }) => getGeneralSettings(ctx.db, ctx.actor)),
  updateGeneralSettings: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(generalSettingsSchema)
    .mutation(({ ctx, input }) => updateGeneralSettings(ctx.db, ctx.actor, input)),
  effectiveConfiguration: authenticatedProcedure.meta({ permission: "admin:settings:update" }).query(({ ctx }) => getEffectiveConfiguration(ctx.db, ctx.actor)),
  platformInfo: authenticatedProcedure.meta({ permission: "admin:settings:update" }).query(({ ctx }) => getPlatformInfo(ctx.db, ctx.actor)),
  statistics: authenticatedProcedure
    .meta({ permission: "admin:users:read" })
    .input(statisticsPeriodSchema)
    .query(({ ctx, input }) => getSiteStatistics(ctx.db, ctx.actor, input)),
});
