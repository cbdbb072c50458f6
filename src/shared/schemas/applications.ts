/**
 * Admin → Applications inputs, shared by the forms and the tRPC procedures. Errors land on the form's fields: `name`,
 * `owner`, `packageName`, `packageVersion`, `gitUrl`, `gitBranch`, `gitCommit`.
 */
import { z } from "zod";
import { hasControlCharacter } from "./account";
import { ownerNameSchema, packageNameSchema } from "./packages";

export const applicationSourceKindNames = ["package", "git"] as const;

const noControlCharacters = (text: string) => !hasControlCharacter(text);

export const applicationNameSchema = z
  .string({ error: "Name the application." })
  .trim()
  .min(1, "Name the application.")
  .max(100, "Application names are at most 100 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, "Application names use letters, digits, spaces, dots, hyphens and underscores, and start with a letter or digit.");

/** A release version as PEP 440 writes them (what pip is asked for with `==`). */
export const packageVersionSchema = z
  .string({ error: "Choose a version." })
  .trim()
  .min(1, "Choose a version.")
  .max(100, "Versions are at most 100 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9.+!_-]*$/, "That is not a version (such as 1.0 or 2.1.0rc1).");

/**
 * Where git may fetch from: a remote over HTTP(S), SSH or git, a `file://` URL or an absolute local path (tests and
 * air-gapped sites). Nothing starting with a dash reaches git as an option.
 */
export const gitUrlSchema = z
  .string({ error: "Enter the repository's URL." })
  .trim()
  .min(1, "Enter the repository's URL.")
  .max(2000, "Repository URLs are at most 2,000 characters.")
  .refine(noControlCharacters, "Repository URLs have no control characters.")
  .refine(
    (url) => /^(https?|ssh|git|file):\/\/\S+$/i.test(url) || /^\/\S*$/.test(url),
    "Enter an https://, http://, ssh://, git:// or file:// URL, or an absolute path on the server.",
  );

export const gitBranchSchema = z
  .string({ error: "Name the branch." })
  .trim()
  .min(1, "Name the branch.")
  .max(250, "Branch names are at most 250 characters.")
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]+$/, "Branch names use letters, digits, dots, slashes, hyphens and underscores.");

export const gitCommitSchema = z
  .string({ error: "Choose a commit." })
  .trim()
  .regex(/^[0-9a-fA-F]{7,64}$/, "A commit is its hash: 7 to 64 hexadecimal characters.")
  .transform((commit) => commit.toLowerCase());

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

function requireField(context: z.RefinementCtx, value: unknown, path: string, schema: z.ZodType) {
  const result = schema.safeParse(value);
  if (!result.success) context.addIssue({ code: "custom", path: [path], message: result.error.issues[0]?.message ?? "Check this field." });
}

/** CREATE APP: a name, a source (a package version on this Granary, or a Git commit), and whether it starts active. */
export const createApplicationSchema = z
  .object({
    name: applicationNameSchema,
    sourceKind: z.enum(applicationSourceKindNames, { error: "Choose where the application comes from." }),
    /** The package's owner; for a Git source, the owner whose index provides the dependencies. */
    owner: ownerNameSchema,
    packageName: optionalText,
    packageVersion: optionalText,
    gitUrl: optionalText,
    gitBranch: optionalText,
    gitCommit: optionalText,
    active: z.boolean().default(true),
  })
  .superRefine((input, context) => {
    if (input.sourceKind === "package") {
      requireField(context, input.packageName, "packageName", packageNameSchema);
      requireField(context, input.packageVersion, "packageVersion", packageVersionSchema);
    } else {
      requireField(context, input.gitUrl, "gitUrl", gitUrlSchema);
      requireField(context, input.gitBranch, "gitBranch", gitBranchSchema);
      requireField(context, input.gitCommit, "gitCommit", gitCommitSchema);
    }
  })
  .transform((input) =>
    input.sourceKind === "package"
      ? { name: input.name, sourceKind: "package" as const, owner: input.owner, active: input.active, packageName: input.packageName!, packageVersion: input.packageVersion! }
      : {
          name: input.name,
          sourceKind: "git" as const,
          owner: input.owner,
          active: input.active,
          gitUrl: input.gitUrl!,
          gitBranch: input.gitBranch!,
          gitCommit: input.gitCommit!.toLowerCase(),
        },
  );
export type CreateApplicationInput = z.input<typeof createApplicationSchema>;

export const applicationIdSchema = z.object({ id: z.uuid("That is not an application.") });

/**
 * Selecting an application: a new version (package source) or commit (Git source), and active or not. Update saves
 * these and installs the new source beside the running one.
 */
export const updateApplicationSchema = z.object({
  id: z.uuid("That is not an application."),
  packageVersion: packageVersionSchema.optional(),
  gitCommit: gitCommitSchema.optional(),
  active: z.boolean(),
});
export type UpdateApplicationInput = z.input<typeof updateApplicationSchema>;

/** What the administrator types to confirm deleting an application: its name. */
export const deleteApplicationSchema = z.object({
  id: z.uuid("That is not an application."),
  confirmation: z.string().max(200, "Type the application's name to confirm."),
});

export const applicationVersionsSchema = z.object({ owner: ownerNameSchema, packageName: packageNameSchema });

export const branchCommitsSchema = z.object({ id: z.uuid("That is not an application.") });

export const pythonPackagesSearchSchema = z.object({
  search: z.string().trim().max(200, "Searches are at most 200 characters.").refine(noControlCharacters, "Searches have no control characters.").optional(),
});
