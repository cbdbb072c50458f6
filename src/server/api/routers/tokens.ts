import { createTokenSchema, listTokensSchema, regenerateTokenSchema, revokeTokenSchema } from "@/shared/schemas/tokens";
import * as tokens from "../../services/tokens";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

export const tokensRouter = router({
  /** The scope table: names, descriptions and the permissions each grants. */
  scopes: publicProcedure.meta({ permission: "site:read" }).query(() => tokens.listTokenScopes()),
  list: authenticatedProcedure
    .meta({ permission: "token:read" })
    .input(listTokensSchema)
    .query(({ ctx, input }) => tokens.listTokens(ctx.db, ctx.actor, input)),
  create: authenticatedProcedure
    .meta({ permission: "token:create" })
    .input(createTokenSchema)
    .mutation(({ ctx, input }) => tokens.createToken(ctx.db, ctx.actor, input)),
  revoke: authenticatedProcedure
    .meta({ permission: "token:revoke" })
    .input(revokeTokenSchema)
    .mutation(async ({ ctx, input }) => {
      await tokens.revokeToken(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  regenerate: authenticatedProcedure
    .meta({ permission: "token:create" })
    .input(regenerateTokenSchema)
    .mutation(({ ctx, input }) => tokens.regenerateToken(ctx.db, ctx.actor, input)),
});
