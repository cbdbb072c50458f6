import { dailyReportEmailSchema, dailyReportRangeSchema } from "@/shared/schemas/daily-report";
import { dailyReport, getDailyReportEmail, setDailyReportEmail } from "../../services/daily-report";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → Daily Report: the report over a range of UTC days, and the administrator's daily e-mail switch. */
export const dailyReportRouter = router({
  get: authenticatedProcedure
    .meta({ permission: "admin:users:read" })
    .input(dailyReportRangeSchema)
    .query(({ ctx, input }) => dailyReport(ctx.db, ctx.actor, input)),
  emailSubscription: authenticatedProcedure.meta({ permission: "admin:users:read" }).query(({ ctx }) => getDailyReportEmail(ctx.db, ctx.actor)),
  setEmailSubscription: authenticatedProcedure
    .meta({ permission: "admin:users:read" })
    .input(dailyReportEmailSchema)
    .mutation(({ ctx, input }) => setDailyReportEmail(ctx.db, ctx.actor, input)),
});
