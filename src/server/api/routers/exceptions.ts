import { exceptionGroupRefSchema, setExceptionGroupResolvedSchema } from "@/shared/schemas/exceptions";
import { getExceptionGroup, setExceptionGroupResolved } from "../../services/exceptions";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → Exceptions: a group's page and its resolution (the list, the red dot and "mark all read" are admin.*). */
export const exceptionsRouter = router({
  group: authenticatedProcedure
    .meta({ permission: "admin:exceptions:read" })
    .input(exceptionGroupRefSchema)
    .query(({ ctx, input }) => getExceptionGroup(ctx.db, ctx.actor, input)),
  setResolved: authenticatedProcedure
    .meta({ permission: "admin:exceptions:update" })
    .input(setExceptionGroupResolvedSchema)
    .mutation(({ ctx, input }) => setExceptionGroupResolved(ctx.db, ctx.actor, input)),
});
