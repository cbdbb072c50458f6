import { z } from "zod";
import { hasControlCharacter } from "./account";

/** A license file is a few hundred bytes; anything much larger is not one. */
export const maxLicenseFileBytes = 64 * 1024;

/** Admin → License → Upload New License: the file's text, read in the browser, and its name for the audit trail. */
export const installLicenseSchema = z.object({
  document: z
    .string()
    .trim()
    .min(1, "Choose a license file: this one is empty.")
    .max(maxLicenseFileBytes, "This file is too large to be a Granary license (they are under 64 KB)."),
  fileName: z
    .string()
    .max(255, "The file's name is too long.")
    .refine((name) => !hasControlCharacter(name), "The file's name cannot contain control characters.")
    .optional(),
});
