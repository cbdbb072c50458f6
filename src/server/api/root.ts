import { accountRouter } from "./routers/account";
import { adminRouter, siteRouter } from "./routers/admin";
import { billingRouter } from "./routers/billing";
import { notificationsRouter, organizationsRouter } from "./routers/organizations";
import { jobsRouter } from "./routers/jobs";
import { logsRouter } from "./routers/logs";
import { packagesRouter } from "./routers/packages";
import { platformActionsRouter } from "./routers/platform-actions";
import { tokensRouter } from "./routers/tokens";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  admin: adminRouter,
  billing: billingRouter,
  notifications: notificationsRouter,
  organizations: organizationsRouter,
  jobs: jobsRouter,
  logs: logsRouter,
  packages: packagesRouter,
  platformActions: platformActionsRouter,
  site: siteRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
