import { accountRouter } from "./routers/account";
import { adminRouter, siteRouter } from "./routers/admin";
import { jobsRouter } from "./routers/jobs";
import { packagesRouter } from "./routers/packages";
import { tokensRouter } from "./routers/tokens";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  admin: adminRouter,
  jobs: jobsRouter,
  packages: packagesRouter,
  site: siteRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
