import { z } from "zod";
import {
  dashboardViewSchema,
  deletePackageSchema,
  fileLabelSchema,
  fileRefSchema,
  listOwnerPackagesSchema,
  moveLabelSchema,
  ownerNameSchema,
  packageRefSchema,
  searchPackagesSchema,
  setPrivacySchema,
  setReleaseYankedSchema,
} from "@/shared/schemas/packages";
import { collaboratorSchema, packageGroupSchema, transferPackageSchema } from "@/shared/schemas/organizations";
import * as packageChanges from "../../services/package-changes";
import * as sharing from "../../services/package-sharing";
import * as transfers from "../../services/transfers";
import * as notebooks from "../../services/notebook-preview";
import * as packageService from "../../services/packages";
import { getBlobStore } from "../../storage";
import { authenticatedProcedure, publicProcedure, router } from "../trpc";

const ok = { ok: true as const };

export const packagesRouter = router({
  search: publicProcedure
    .meta({ permission: "package:read" })
    .input(searchPackagesSchema)
    .query(({ ctx, input }) => packageService.searchPackages(ctx.db, ctx.actor, input)),
  listByOwner: publicProcedure
    .meta({ permission: "package:read" })
    .input(listOwnerPackagesSchema)
    .query(({ ctx, input }) => packageService.listOwnerPackages(ctx.db, ctx.actor, input)),
  get: publicProcedure
    .meta({ permission: "package:read" })
    .input(packageRefSchema)
    .query(({ ctx, input }) => packageService.getPackage(ctx.db, ctx.actor, input)),
  /** The search page's filters: platforms and labels of what the actor may see. */
  facets: publicProcedure.meta({ permission: "package:read" }).query(({ ctx }) => packageService.listSearchFacets(ctx.db, ctx.actor)),
  /** A package's downloads per day, version and platform over the last year, today's included. */
  downloads: publicProcedure
    .meta({ permission: "package:read" })
    .input(packageRefSchema)
    .query(({ ctx, input }) => packageService.getPackageDownloads(ctx.db, ctx.actor, input)),
  /** The newest notebook of a package, as cells to render read-only. */
  notebookPreview: publicProcedure
    .meta({ permission: "package:read" })
    .input(packageRefSchema)
    .query(({ ctx, input }) => notebooks.getNotebookPreview(ctx.db, ctx.actor, input, getBlobStore())),
  /** The dashboard's tiles: packages, downloads over the last 30 days, stars. */
  dashboardSummary: authenticatedProcedure.meta({ permission: "package:read" }).query(({ ctx }) => packageService.getDashboardSummary(ctx.db, ctx.actor)),
  labels: publicProcedure
    .meta({ permission: "package:read" })
    .input(z.object({ owner: ownerNameSchema }))
    .query(({ ctx, input }) => packageService.listLabels(ctx.db, ctx.actor, input.owner)),
  mine: authenticatedProcedure
    .meta({ permission: "package:read" })
    .input(dashboardViewSchema)
    .query(({ ctx, input }) => packageService.listMyPackages(ctx.db, ctx.actor, input)),
  favorites: authenticatedProcedure
    .meta({ permission: "package:read" })
    .input(dashboardViewSchema)
    .query(({ ctx, input }) => packageService.listFavorites(ctx.db, ctx.actor, input)),
  star: authenticatedProcedure
    .meta({ permission: "package:star" })
    .input(packageRefSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.setStar(ctx.db, ctx.actor, input, true);
      return ok;
    }),
  unstar: authenticatedProcedure
    .meta({ permission: "package:star" })
    .input(packageRefSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.setStar(ctx.db, ctx.actor, input, false);
      return ok;
    }),
  setPrivacy: authenticatedProcedure
    .meta({ permission: "package:update" })
    .input(setPrivacySchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.setPrivacy(ctx.db, ctx.actor, input);
      return ok;
    }),
  addLabel: authenticatedProcedure
    .meta({ permission: "package:update" })
    .input(fileLabelSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.addLabel(ctx.db, ctx.actor, input);
      return ok;
    }),
  removeLabel: authenticatedProcedure
    .meta({ permission: "package:update" })
    .input(fileLabelSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.removeLabel(ctx.db, ctx.actor, input);
      return ok;
    }),
  moveLabel: authenticatedProcedure
    .meta({ permission: "package:update" })
    .input(moveLabelSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.moveLabel(ctx.db, ctx.actor, input);
      return ok;
    }),
  deleteFile: authenticatedProcedure
    .meta({ permission: "package:delete" })
    .input(fileRefSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.deleteFile(ctx.db, ctx.actor, input, getBlobStore());
      return ok;
    }),
  /** PEP 592: withdraw a release from installers that do not pin it, or take that back. Administration, like deletion. */
  setReleaseYanked: authenticatedProcedure
    .meta({ permission: "package:delete" })
    .input(setReleaseYankedSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.setReleaseYanked(ctx.db, ctx.actor, input);
      return ok;
    }),
  deletePackage: authenticatedProcedure
    .meta({ permission: "package:delete" })
    .input(deletePackageSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.deletePackage(ctx.db, ctx.actor, input, getBlobStore());
      return ok;
    }),
  /** Package Settings → Collaborators: its owners, collaborators and groups. */
  access: authenticatedProcedure
    .meta({ permission: "package:read" })
    .input(packageRefSchema)
    .query(({ ctx, input }) => sharing.listPackageAccess(ctx.db, ctx.actor, input)),
  addCollaborator: authenticatedProcedure
    .meta({ permission: "package:share" })
    .input(collaboratorSchema)
    .mutation(async ({ ctx, input }) => {
      await sharing.addCollaborator(ctx.db, ctx.actor, input);
      return ok;
    }),
  removeCollaborator: authenticatedProcedure
    .meta({ permission: "package:share" })
    .input(collaboratorSchema)
    .mutation(async ({ ctx, input }) => {
      await sharing.removeCollaborator(ctx.db, ctx.actor, input);
      return ok;
    }),
  addGroup: authenticatedProcedure
    .meta({ permission: "package:share" })
    .input(packageGroupSchema)
    .mutation(async ({ ctx, input }) => {
      await sharing.addPackageGroup(ctx.db, ctx.actor, input);
      return ok;
    }),
  removeGroup: authenticatedProcedure
    .meta({ permission: "package:share" })
    .input(packageGroupSchema)
    .mutation(async ({ ctx, input }) => {
      await sharing.removePackageGroup(ctx.db, ctx.actor, input);
      return ok;
    }),
  transferTargets: authenticatedProcedure.meta({ permission: "package:transfer" }).query(({ ctx }) => transfers.listTransferTargets(ctx.db, ctx.actor)),
  transfer: authenticatedProcedure
    .meta({ permission: "package:transfer" })
    .input(transferPackageSchema)
    .mutation(({ ctx, input }) => transfers.transferPackage(ctx.db, ctx.actor, input)),
  /** Where a transferred package went, for its old page's permanent redirect. */
  redirect: publicProcedure
    .meta({ permission: "package:read" })
    .input(packageRefSchema)
    .query(({ ctx, input }) => transfers.findPackageRedirect(ctx.db, ctx.actor, input)),
});
