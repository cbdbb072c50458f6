import {
  changeEmailSchema,
  changePasswordSchema,
  confirmEmailSchema,
  deleteAccountSchema,
  forgotPasswordSchema,
  forgotUsernameSchema,
  pageSchema,
  resetPasswordSchema,
  sessionRefSchema,
  signInSchema,
  signUpSchema,
  updateProfileSchema,
} from "@/shared/schemas/account";
import * as accounts from "../../services/accounts";
import * as emailAddresses from "../../services/email-addresses";
import * as recovery from "../../services/recovery";
import * as sessions from "../../services/sessions";
import { listAuditEvents } from "../../services/audit";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

export const accountRouter = router({
  signUp: publicProcedure
    .meta({ permission: "account:create" })
    .input(signUpSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.sessions.start(await accounts.signUp(ctx.db, ctx.actor, input));
      return { ok: true as const };
    }),
  signIn: publicProcedure
    .meta({ permission: "session:create" })
    .input(signInSchema)
    .mutation(async ({ ctx, input }) => {
      await ctx.sessions.start(await sessions.signIn(ctx.db, ctx.actor, input));
      return { ok: true as const };
    }),
  signOut: authenticatedProcedure.meta({ permission: "session:delete" }).mutation(async ({ ctx }) => {
    await sessions.signOut(ctx.db, ctx.actor);
    await ctx.sessions.end();
    return { ok: true as const };
  }),
  signOutEverywhere: authenticatedProcedure.meta({ permission: "session:delete" }).mutation(async ({ ctx }) => {
    const { ended } = await sessions.signOutEverywhere(ctx.db, ctx.actor);
    await ctx.sessions.end();
    return { ended };
  }),
  listSessions: authenticatedProcedure.meta({ permission: "security-log:read" }).query(({ ctx }) => sessions.listSessions(ctx.db, ctx.actor)),
  revokeSession: authenticatedProcedure
    .meta({ permission: "session:delete" })
    .input(sessionRefSchema)
    .mutation(async ({ ctx, input }) => {
      await sessions.revokeSession(ctx.db, ctx.actor, input);
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
    .mutation(({ ctx, input }) => emailAddresses.confirmEmailChange(ctx.db, ctx.actor, input)),
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
      // Every session ends; this browser continues in a fresh one.
      await ctx.sessions.start(await accounts.changePassword(ctx.db, ctx.actor, input));
      return { ok: true as const };
    }),
  requestEmailChange: authenticatedProcedure
    .meta({ permission: "account:update" })
    .input(changeEmailSchema)
    .mutation(async ({ ctx, input }) => {
      await emailAddresses.requestEmailChange(ctx.db, ctx.actor, input);
      return { ok: true as const };
    }),
  resendEmailConfirmation: authenticatedProcedure
    .meta({ permission: "account:update" })
    .mutation(({ ctx }) => emailAddresses.resendEmailConfirmation(ctx.db, ctx.actor)),
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
