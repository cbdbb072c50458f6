import { deletePublicObjectsSchema, setReadOnlySchema } from "@/shared/schemas/platform-actions";
import { getPlatformActions } from "../../services/platform-actions";
import { restartPlatform } from "../../services/platform-restart";
import { startPublicObjectsDeletion } from "../../services/public-objects-deletion";
import { currentSiteMode, setReadOnly } from "../../services/site-mode";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

/** Admin → Actions: read-only mode, restarting the platform, deleting all public objects. */
export const platformActionsRouter = router({
  /** Whether the site is read-only, for the banner every page shows. */
  mode: publicProcedure.meta({ permission: "site:read" }).query(({ ctx }) => currentSiteMode(ctx.db)),
  status: authenticatedProcedure.meta({ permission: "admin:platform:read" }).query(({ ctx }) => getPlatformActions(ctx.db, ctx.actor)),
  setReadOnly: authenticatedProcedure
    .meta({ permission: "admin:platform:update" })
    .input(setReadOnlySchema)
    .mutation(({ ctx, input }) => setReadOnly(ctx.db, ctx.actor, input)),
  restart: authenticatedProcedure.meta({ permission: "admin:platform:update" }).mutation(({ ctx }) => restartPlatform(ctx.db, ctx.actor)),
  deletePublicObjects: authenticatedProcedure
    .meta({ permission: "admin:platform:update" })
    .input(deletePublicObjectsSchema)
    .mutation(({ ctx, input }) => startPublicObjectsDeletion(ctx.db, ctx.actor, input)),
});
