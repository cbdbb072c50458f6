import { jobQueueSchema, jobRunIdSchema, listJobRunsSchema, periodicTaskSchema } from "@/shared/schemas/jobs";
import * as jobs from "../../services/jobs";
import { router, authenticatedProcedure } from "../trpc";

/** Background jobs, for the admin Task Queue and Periodic tasks pages and the typed client. */
export const jobsRouter = router({
  workers: authenticatedProcedure.meta({ permission: "admin:jobs:read" }).query(({ ctx }) => jobs.listWorkers(ctx.db, ctx.actor)),
  queues: authenticatedProcedure.meta({ permission: "admin:jobs:read" }).query(({ ctx }) => jobs.getQueueCounts(ctx.db, ctx.actor)),
  runs: authenticatedProcedure
    .meta({ permission: "admin:jobs:read" })
    .input(listJobRunsSchema)
    .query(({ ctx, input }) => jobs.listRuns(ctx.db, ctx.actor, input)),
  run: authenticatedProcedure
    .meta({ permission: "admin:jobs:read" })
    .input(jobRunIdSchema)
    .query(({ ctx, input }) => jobs.getRun(ctx.db, ctx.actor, input)),
  retry: authenticatedProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(jobRunIdSchema)
    .mutation(({ ctx, input }) => jobs.retryRun(ctx.db, ctx.actor, input)),
  cancel: authenticatedProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(jobRunIdSchema)
    .mutation(({ ctx, input }) => jobs.cancelRun(ctx.db, ctx.actor, input)),
  retryFailed: authenticatedProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(jobQueueSchema)
    .mutation(({ ctx, input }) => jobs.retryFailedRuns(ctx.db, ctx.actor, input)),
  periodicTasks: authenticatedProcedure.meta({ permission: "admin:jobs:read" }).query(({ ctx }) => jobs.listPeriodicTasks(ctx.db, ctx.actor)),
  runPeriodicTask: authenticatedProcedure
    .meta({ permission: "admin:jobs:update" })
    .input(periodicTaskSchema)
    .mutation(({ ctx, input }) => jobs.runPeriodicTask(ctx.db, ctx.actor, input)),
  restartWorkers: authenticatedProcedure.meta({ permission: "admin:jobs:update" }).mutation(({ ctx }) => jobs.restartWorkers(ctx.db, ctx.actor)),
});
