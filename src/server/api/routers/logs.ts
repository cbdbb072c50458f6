import { listAuditLogSchema, listSystemLogsSchema } from "@/shared/schemas/logs";
import * as logs from "../../services/logs";
import { authenticatedProcedure, router } from "../trpc";

/** The admin panel's System logs and Logs pages. */
export const logsRouter = router({
  system: authenticatedProcedure
    .meta({ permission: "admin:logs:read" })
    .input(listSystemLogsSchema)
    .query(({ ctx, input }) => logs.listSystemLogs(ctx.db, ctx.actor, input)),
  audit: authenticatedProcedure
    .meta({ permission: "admin:audit:read" })
    .input(listAuditLogSchema)
    .query(({ ctx, input }) => logs.listAuditLog(ctx.db, ctx.actor, input)),
});
