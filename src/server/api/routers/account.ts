import {
  changeEmailSchema,
  changePasswordSchema,
  confirmEmailSchema,
  deleteAccountSchema,
  forgotPasswordSchema,
  forgotUsernameSchema,
  pageSchema,
  resetPasswordSchema,
  signInSchema,
  signUpSchema,
  updateProfileSchema,
} from "@/shared/schemas/account";
import * as accounts from "../../services/accounts";
import * as recovery from "../../services/recovery";
import * as signIn from "../../services/sign-in";
import { listAuditEvents } from "../../services/audit";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

export const accountRouter = router({
  signUp: publicProcedure
    .meta({ permission: "account:create" })
    .input(signUpSchema)
    .mutation(async ({ ctx, input }) => {
      const grant = await accounts.signUp(ctx.db, ctx.actor, input);
      await ctx.sessions.start(grant);
      return { ok: true as const };
    }),
  signIn: publicProcedure
    .meta({ permission: "session:create" })
    .input(signInSchema)
    .mutation(async ({ ctx, input }) => {
      const grant = await signIn.authenticate(ctx.db, ctx.actor, input);
      await ctx.sessions.start(grant);
      return { ok: true as const };
    }),
  signOut: authenticatedProcedure.meta({ permission: "session:delete" }).mutation(async ({ ctx }) => {
    await signIn.recordSignOut(ctx.db, ctx.actor);
    await ctx.sessions.end();
    return { ok: true as const };
  }),
  remindUsername: publicProcedure
    .meta({ permission: "account:recover" })
    .input(forgotUsernameSchema)
    .mutation(async ({ ctx, input }) => {
      await recovery.remindUsername(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  requestPasswordReset: publicProcedure
    .meta({ permission: "account:recover" })
    .input(forgotPasswordSchema)
    .mutation(async ({ ctx, input }) => {
      await recovery.requestPasswordReset(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  resetPassword: publicProcedure
    .meta({ permission: "account:recover" })
    .input(resetPasswordSchema)
    .mutation(async ({ ctx, input }) => {
      await recovery.resetPassword(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  confirmEmailChange: publicProcedure
    .meta({ permission: "account:recover" })
    .input(confirmEmailSchema)
    .mutation(({ ctx, input }) => accounts.confirmEmailChange(ctx.db, ctx.actor, input)),
  get: authenticatedProcedure.meta({ permission: "account:read" }).query(({ ctx }) => accounts.getAccount(ctx.db, ctx.actor)),
  whoami: authenticatedProcedure.meta({ permission: "account:read" }).query(({ ctx }) => accounts.whoami(ctx.db, ctx.actor)),
  updateProfile: authenticatedProcedure
    .meta({ permission: "account:update" })
    .input(updateProfileSchema)
    .mutation(async ({ ctx, input }) => {
      await accounts.updateProfile(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  changePassword: authenticatedProcedure
    .meta({ permission: "account:update" })
    .input(changePasswordSchema)
    .mutation(async ({ ctx, input }) => {
      // Every session ends; this one continues under the new session version.
      const grant = await accounts.changePassword(ctx.db, ctx.actor, input);
      await ctx.sessions.start(grant);
      return { ok: true as const };
    }),
  requestEmailChange: authenticatedProcedure
    .meta({ permission: "account:update" })
    .input(changeEmailSchema)
    .mutation(async ({ ctx, input }) => {
      await accounts.requestEmailChange(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  resendEmailConfirmation: authenticatedProcedure
    .meta({ permission: "account:update" })
    .mutation(({ ctx }) => accounts.resendEmailConfirmation(ctx.db, ctx.actor)),
  delete: authenticatedProcedure
    .meta({ permission: "account:delete" })
    .input(deleteAccountSchema)
    .mutation(async ({ ctx, input }) => {
      await accounts.deleteAccount(ctx.db, ctx.actor, input);
      await ctx.sessions.end();
      return { ok: true as const };
    }),
  securityHistory: authenticatedProcedure
    .meta({ permission: "security-log:read" })
    .input(pageSchema)
    .query(({ ctx, input }) => listAuditEvents(ctx.db, { subjectUserId: ctx.actor.user.id, ...input })),
});
