import { z } from "zod";
import { hasControlCharacter, pageSchema } from "./account";

/** The label every file carries unless another is asked for: conda's /<owner>/... is /<owner>/label/main/... */
export const defaultLabel = "main";

/** PEP 503: runs of -, _ and . are one -, compared lower-cased. conda names are already lower-case. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** Labels: what conda puts in /<owner>/label/<label>/; `main` is the default and equals no label. */
export const labelSchema = z
  .string({ error: "Enter a label." })
  .trim()
  .min(1, "Enter a label.")
  .max(64, "Labels are at most 64 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Labels use letters, digits, dots, hyphens and underscores, and start with a letter or digit.");

const noControlCharacters = (text: string) => !hasControlCharacter(text);

export const ownerNameSchema = z
  .string({ error: "Name an owner." })
  .trim()
  .min(1, "Name an owner.")
  .max(100, "Owner names are at most 100 characters.")
  .refine(noControlCharacters, "Owner names have no control characters.");
export const packageNameSchema = z
  .string({ error: "Name a package." })
  .trim()
  .min(1, "Name a package.")
  .max(200, "Package names are at most 200 characters.")
  .refine(noControlCharacters, "Package names have no control characters.");

export const packageRefSchema = z.object({ owner: ownerNameSchema, name: packageNameSchema });

/** `package` means conda or Python distributions: everything but notebooks and environments. */
export const packageKindSchema = z.enum(["all", "package", "conda", "pypi", "notebook", "environment"]);
export type PackageKind = z.infer<typeof packageKindSchema>;

const searchTermsSchema = z
  .string()
  .trim()
  .max(200, "Search terms are at most 200 characters.")
  .refine(noControlCharacters, "Search terms cannot contain control characters.")
  .default("");

/** How search results are ordered: by how well the name matches, or by downloads, stars or last update. */
export const packageSortSchema = z.enum(["relevance", "downloads", "stars", "updated"]);
export type PackageSort = z.infer<typeof packageSortSchema>;

/** A platform filter: a conda subdir, a wheel platform tag, `source`, `notebook` or `environment`. */
const platformFilterSchema = z
  .string()
  .trim()
  .max(100, "Platforms are at most 100 characters.")
  .regex(/^[A-Za-z0-9._-]+$/, "Platforms use letters, digits, dots, hyphens and underscores.");

export const searchPackagesSchema = pageSchema.extend({
  query: searchTermsSchema,
  kind: packageKindSchema.default("all"),
  platform: platformFilterSchema.optional(),
  label: labelSchema.optional(),
  sort: packageSortSchema.default("relevance"),
});

export const listOwnerPackagesSchema = pageSchema.extend({
  owner: ownerNameSchema,
  kind: packageKindSchema.default("all"),
  /** Words to find among the owner's own packages. */
  query: searchTermsSchema,
  sort: packageSortSchema.default("updated"),
});

export const dashboardViewSchema = pageSchema.extend({
  kind: packageKindSchema.default("all"),
});

export const setPrivacySchema = packageRefSchema.extend({ isPrivate: z.boolean() });

export const fileRefSchema = z.object({ fileId: z.uuid("Unknown file.") });

export const fileLabelSchema = fileRefSchema.extend({ label: labelSchema });
export const moveLabelSchema = fileRefSchema.extend({ from: labelSchema, to: labelSchema });

export const deletePackageSchema = packageRefSchema.extend({
  confirmation: z.string().trim().min(1, "Type the package name to confirm.").max(200, "That is not the package's name."),
});

/**
 * Yanking or un-yanking one release (PEP 592). The reason is shown to people whose installers skip the release, so
 * it is one short line of text; it is kept only while the release is yanked.
 */
export const setReleaseYankedSchema = packageRefSchema.extend({
  version: z
    .string({ error: "Name a version." })
    .trim()
    .min(1, "Name a version.")
    .max(100, "Versions are at most 100 characters.")
    .refine(noControlCharacters, "Versions have no control characters."),
  yanked: z.boolean(),
  reason: z
    .string()
    .trim()
    .max(250, "Keep the reason to 250 characters.")
    .refine(noControlCharacters, "The reason is one line of text, without control characters.")
    .optional(),
});
