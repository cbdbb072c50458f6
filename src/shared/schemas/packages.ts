import { z } from "zod";
import { pageSchema } from "./account";

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

export const ownerNameSchema = z.string().trim().min(1).max(100);
export const packageNameSchema = z.string().trim().min(1).max(200);

export const packageRefSchema = z.object({ owner: ownerNameSchema, name: packageNameSchema });

/** `package` means conda or Python distributions: everything but notebooks and environments. */
export const packageKindSchema = z.enum(["all", "package", "conda", "pypi", "notebook", "environment"]);
export type PackageKind = z.infer<typeof packageKindSchema>;

export const searchPackagesSchema = pageSchema.extend({
  query: z.string().trim().max(200).default(""),
  kind: packageKindSchema.default("all"),
});

export const listOwnerPackagesSchema = pageSchema.extend({
  owner: ownerNameSchema,
  kind: packageKindSchema.default("all"),
});

export const dashboardViewSchema = pageSchema.extend({
  kind: packageKindSchema.default("all"),
});

export const setPrivacySchema = packageRefSchema.extend({ isPrivate: z.boolean() });

export const fileRefSchema = z.object({ fileId: z.uuid("Unknown file.") });

export const fileLabelSchema = fileRefSchema.extend({ label: labelSchema });
export const moveLabelSchema = fileRefSchema.extend({ from: labelSchema, to: labelSchema });

export const deletePackageSchema = packageRefSchema.extend({
  confirmation: z.string().trim().min(1, "Type the package name to confirm."),
});
