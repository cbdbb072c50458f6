import { mailSettingsSchema, sendTestEmailSchema } from "@/shared/schemas/mail-settings";
import { getMailSettings, sendTestEmail, updateMailSettings } from "../../services/mail-settings";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → Notification: how mail is sent, and a test message. */
export const mailSettingsRouter = router({
  get: authenticatedProcedure.meta({ permission: "admin:settings:update" }).query(({ ctx }) => getMailSettings(ctx.db, ctx.actor)),
  update: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(mailSettingsSchema)
    .mutation(({ ctx, input }) => updateMailSettings(ctx.db, ctx.actor, input)),
  sendTest: authenticatedProcedure
    .meta({ permission: "admin:settings:update" })
    .input(sendTestEmailSchema)
    .mutation(({ ctx, input }) => sendTestEmail(ctx.db, ctx.actor, input)),
});
