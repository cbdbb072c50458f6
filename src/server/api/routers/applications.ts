import {
  applicationIdSchema,
  applicationVersionsSchema,
  branchCommitsSchema,
  createApplicationSchema,
  deleteApplicationSchema,
  pythonPackagesSearchSchema,
  updateApplicationSchema,
} from "@/shared/schemas/applications";
import { transferApplicationsSchema, transferSourceSchema } from "@/shared/schemas/application-transfer";
import { issueTransferToken, previewTransfer, transferApplications } from "../../services/application-transfer";
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
import { getBlobStore, maxUploadBytes } from "../../storage";
import { authenticatedProcedure, router } from "../trpc";

/** Admin → Applications (with Transfer), Import Errors and Python packages, and Actions → Get transfer token. */
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
  transferToken: authenticatedProcedure.meta({ permission: "admin:applications:update" }).mutation(({ ctx }) => issueTransferToken(ctx.db, ctx.actor)),
  /** A mutation: the source's first answer starts the token's transfer session. */
  transferPreview: authenticatedProcedure
    .meta({ permission: "admin:applications:update" })
    .input(transferSourceSchema)
    .mutation(({ ctx, input }) => previewTransfer(ctx.db, ctx.actor, input)),
  transfer: authenticatedProcedure
    .meta({ permission: "admin:applications:update" })
    .input(transferApplicationsSchema)
    .mutation(({ ctx, input }) => transferApplications(ctx.db, ctx.actor, input, getBlobStore(), maxUploadBytes())),
});
