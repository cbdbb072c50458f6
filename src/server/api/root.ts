import { accountRouter } from "./routers/account";
import { adminRouter, siteRouter } from "./routers/admin";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  admin: adminRouter,
  site: siteRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
