import { accountRouter } from "./routers/account";
import { applicationTasksRouter } from "./routers/application-tasks";
import { applicationsRouter } from "./routers/applications";
import { adminRouter, siteRouter } from "./routers/admin";
import { adminPeopleRouter, profilesRouter } from "./routers/admin-people";
import { billingRouter } from "./routers/billing";
import { dailyReportRouter } from "./routers/daily-report";
import { exceptionsRouter } from "./routers/exceptions";
import { hashWarningsRouter } from "./routers/hash-warnings";
import { notificationsRouter, organizationsRouter } from "./routers/organizations";
import { jobsRouter } from "./routers/jobs";
import { licenseRouter } from "./routers/license";
import { logsRouter } from "./routers/logs";
import { mailSettingsRouter } from "./routers/mail-settings";
import { packagesRouter } from "./routers/packages";
import { siteAdminRouter } from "./routers/site-admin";
import { platformActionsRouter } from "./routers/platform-actions";
import { tokensRouter } from "./routers/tokens";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  admin: adminRouter,
  applications: applicationsRouter,
  tasks: applicationTasksRouter,
  adminPeople: adminPeopleRouter,
  profiles: profilesRouter,
  billing: billingRouter,
  dailyReport: dailyReportRouter,
  exceptions: exceptionsRouter,
  hashWarnings: hashWarningsRouter,
  notifications: notificationsRouter,
  organizations: organizationsRouter,
  jobs: jobsRouter,
  license: licenseRouter,
  logs: logsRouter,
  mailSettings: mailSettingsRouter,
  packages: packagesRouter,
  platformActions: platformActionsRouter,
  site: siteRouter,
  siteAdmin: siteAdminRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
