import { jobQueueSchema, jobRunIdSchema, listJobRunsSchema, periodicTaskSchema } from "@/shared/schemas/jobs";
import * as jobs from "../../services/jobs";
import { router, siteAdminProcedure } from "../trpc";

/** Background jobs, for the admin Task Queue and Periodic tasks pages and the typed client. */
export const jobsRouter = router({
  workers: siteAdminProcedure.meta({ permission: "admin:jobs:read" }).query(({ ctx }) => jobs.listWorkers(ctx.db, ctx.actor)),
  queues: siteAdminProcedure.meta({ permission: "admin:jobs:read" }).query(({ ctx }) => jobs.getQueueCounts(ctx.db, ctx.actor)),
  runs: siteAdminProcedure
    .meta({ permission: "admin:jobs:read" })
    .input(listJobRunsSchema)
    .query(({ ctx, input }) => jobs.listRuns(ctx.db, ctx.actor, input)),
  run: siteAdminProcedure
    .meta({ permission: "admin:jobs:read" })
    .input(jobRunIdSchema)
    .query(({ ctx, input }) => jobs.getRun(ctx.db, ctx.actor, input)),
  retry: siteAdminProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(jobRunIdSchema)
    .mutation(({ ctx, input }) => jobs.retryRun(ctx.db, ctx.actor, input)),
  cancel: siteAdminProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(jobRunIdSchema)
    .mutation(({ ctx, input }) => jobs.cancelRun(ctx.db, ctx.actor, input)),
  retryFailed: siteAdminProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(jobQueueSchema)
    .mutation(({ ctx, input }) => jobs.retryFailedRuns(ctx.db, ctx.actor, input)),
  periodicTasks: siteAdminProcedure.meta({ permission: "admin:jobs:read" }).query(({ ctx }) => jobs.listPeriodicTasks(ctx.db, ctx.actor)),
  runPeriodicTask: siteAdminProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(periodicTaskSchema)
    .mutation(({ ctx, input }) => jobs.runPeriodicTask(ctx.db, ctx.actor, input)),
  restartWorkers: siteAdminProcedure.meta({ permission: "admin:jobs:update" }).mutation(({ ctx }) => jobs.restartWorkers(ctx.db, ctx.actor)),
});
