import { getHashWarnings } from "../../services/hash-warnings";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → Hash Warnings. */
export const hashWarningsRouter = router({
  list: authenticatedProcedure.meta({ permission: "admin:applications:read" }).query(({ ctx }) => getHashWarnings(ctx.db, ctx.actor)),
});
