import { z } from "zod";
import { assignPlanSchema, billingRefSchema, changePlanSchema, updatePlanSchema } from "@/shared/schemas/plans";
import * as plans from "../../services/plans";
import { authenticatedProcedure, router } from "../trpc";

export const billingRouter = router({
  get: authenticatedProcedure
    .meta({ permission: "billing:read" })
    .input(billingRefSchema)
    .query(({ ctx, input }) => plans.getBilling(ctx.db, ctx.actor, input)),
  changePlan: authenticatedProcedure
    .meta({ permission: "billing:update" })
    .input(changePlanSchema)
    .mutation(({ ctx, input }) => plans.changePlan(ctx.db, ctx.actor, input)),
  listPlans: authenticatedProcedure.meta({ permission: "admin:plans:read" }).query(({ ctx }) => plans.adminListPlans(ctx.db, ctx.actor)),
  updatePlan: authenticatedProcedure
    .meta({ permission: "admin:plans:update" })
    .input(updatePlanSchema)
    .mutation(({ ctx, input }) => plans.updatePlan(ctx.db, ctx.actor, input)),
  assignPlan: authenticatedProcedure
    .meta({ permission: "admin:plans:update" })
    .input(assignPlanSchema)
    .mutation(({ ctx, input }) => plans.assignPlan(ctx.db, ctx.actor, input)),
  academicDomains: authenticatedProcedure.meta({ permission: "admin:plans:read" }).query(async ({ ctx }) => plans.academicDomains(ctx.db)),
  setAcademicDomains: authenticatedProcedure
    .meta({ permission: "admin:plans:update" })
    .input(z.object({ domains: z.array(z.string().max(253)).max(200) }))
    .mutation(({ ctx, input }) => plans.setAcademicDomains(ctx.db, ctx.actor, input.domains)),
});
