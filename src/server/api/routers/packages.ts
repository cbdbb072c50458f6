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
} from "@/shared/schemas/packages";
import * as packageChanges from "../../services/package-changes";
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
  deletePackage: authenticatedProcedure
    .meta({ permission: "package:delete" })
    .input(deletePackageSchema)
    .mutation(async ({ ctx, input }) => {
      await packageChanges.deletePackage(ctx.db, ctx.actor, input, getBlobStore());
      return ok;
    }),
});
