import { applicationIdSchema } from "@/shared/schemas/applications";
import { listTaskRunsSchema, startTaskRunSchema, taskRunIdSchema, taskSettingsSchema } from "@/shared/schemas/application-tasks";
import {
  cancelTaskRun,
  getTaskRun,
  getTaskSettings,
  listRunnableTasks,
  listTaskRuns,
  rerunTaskRun,
  startTaskRun,
  updateTaskSettings,
} from "../../services/application-tasks";
import { getBlobStore } from "../../storage";
import { authenticatedProcedure, router } from "../trpc";

/** Tools → Applications: the tasks users run, their runs; and each application's task limits (Admin → Applications). */
export const applicationTasksRouter = router({
  list: authenticatedProcedure.meta({ permission: "task:read" }).query(({ ctx }) => listRunnableTasks(ctx.db, ctx.actor)),
  start: authenticatedProcedure
    .meta({ permission: "task:run" })
    .input(startTaskRunSchema)
    .mutation(({ ctx, input }) => startTaskRun(ctx.db, ctx.actor, input)),
  runs: authenticatedProcedure
    .meta({ permission: "task:read" })
    .input(listTaskRunsSchema)
    .query(({ ctx, input }) => listTaskRuns(ctx.db, ctx.actor, input)),
  run: authenticatedProcedure
    .meta({ permission: "task:read" })
    .input(taskRunIdSchema)
    .query(({ ctx, input }) => getTaskRun(ctx.db, getBlobStore(), ctx.actor, input)),
  rerun: authenticatedProcedure
    .meta({ permission: "task:run" })
    .input(taskRunIdSchema)
    .mutation(({ ctx, input }) => rerunTaskRun(ctx.db, ctx.actor, input)),
  cancel: authenticatedProcedure
    .meta({ permission: "task:run" })
    .input(taskRunIdSchema)
    .mutation(({ ctx, input }) => cancelTaskRun(ctx.db, ctx.actor, input)),
  settings: authenticatedProcedure
    .meta({ permission: "admin:applications:read" })
    .input(applicationIdSchema)
    .query(({ ctx, input }) => getTaskSettings(ctx.db, ctx.actor, input.id)),
  updateSettings: authenticatedProcedure
    .meta({ permission: "admin:applications:update" })
    .input(taskSettingsSchema)
    .mutation(({ ctx, input }) => updateTaskSettings(ctx.db, ctx.actor, input)),
});
