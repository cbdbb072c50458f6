import {
  applicationIdSchema,
  applicationVersionsSchema,
  branchCommitsSchema,
  createApplicationSchema,
  deleteApplicationSchema,
  pythonPackagesSearchSchema,
  updateApplicationSchema,
} from "@/shared/schemas/applications";
import {
  createApplication,
  deleteApplication,
  getApplication,
  listApplications,
  listBranchCommits,
  listImportErrors,
  listInstallablePackages,
  listPackageVersions,
  listPythonPackages,
  updateApplication,
} from "../../services/applications";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → Applications, Import Errors and Python packages. */
export const applicationsRouter = router({
  list: authenticatedProcedure.meta({ permission: "admin:applications:read" }).query(({ ctx }) => listApplications(ctx.db, ctx.actor)),
  get: authenticatedProcedure
    .meta({ permission: "admin:applications:read" })
    .input(applicationIdSchema)
    .query(({ ctx, input }) => getApplication(ctx.db, ctx.actor, input.id)),
  installablePackages: authenticatedProcedure.meta({ permission: "admin:applications:read" }).query(({ ctx }) => listInstallablePackages(ctx.db, ctx.actor)),
  packageVersions: authenticatedProcedure
    .meta({ permission: "admin:applications:read" })
    .input(applicationVersionsSchema)
    .query(({ ctx, input }) => listPackageVersions(ctx.db, ctx.actor, input)),
  branchCommits: authenticatedProcedure
    .meta({ permission: "admin:applications:read" })
    .input(branchCommitsSchema)
    .query(({ ctx, input }) => listBranchCommits(ctx.db, ctx.actor, input.id)),
  importErrors: authenticatedProcedure.meta({ permission: "admin:applications:read" }).query(({ ctx }) => listImportErrors(ctx.db, ctx.actor)),
  pythonPackages: authenticatedProcedure
    .meta({ permission: "admin:applications:read" })
    .input(pythonPackagesSearchSchema)
    .query(({ ctx, input }) => listPythonPackages(ctx.db, ctx.actor, input)),
  create: authenticatedProcedure
    .meta({ permission: "admin:applications:update" })
    .input(createApplicationSchema)
    .mutation(({ ctx, input }) => createApplication(ctx.db, ctx.actor, input)),
  update: authenticatedProcedure
    .meta({ permission: "admin:applications:update" })
    .input(updateApplicationSchema)
    .mutation(({ ctx, input }) => updateApplication(ctx.db, ctx.actor, input)),
  delete: authenticatedProcedure
    .meta({ permission: "admin:applications:update" })
    .input(deleteApplicationSchema)
    .mutation(({ ctx, input }) => deleteApplication(ctx.db, ctx.actor, input)),
});
