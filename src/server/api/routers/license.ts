import { installLicenseSchema } from "@/shared/schemas/license";
import * as license from "../../services/license";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → License, and the license banner the admin panel shows administrators. */
export const licenseRouter = router({
  get: authenticatedProcedure.meta({ permission: "admin:settings:update" }).query(({ ctx }) => license.getLicense(ctx.db, ctx.actor)),
  banners: authenticatedProcedure.meta({ permission: "admin:users:read" }).query(({ ctx }) => license.getLicenseBanners(ctx.db, ctx.actor)),
  install: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(installLicenseSchema)
    .mutation(({ ctx, input }) => license.installLicense(ctx.db, ctx.actor, input)),
});
