import { z } from "zod";

export const setReadOnlySchema = z.object({ readOnly: z.boolean() });

/** What the administrator types to confirm deleting every public package (seed 003's typed confirmation). */
export const deletePublicObjectsPhrase = "delete all public objects";

export const deletePublicObjectsSchema = z.object({
  confirmation: z
    .string()
    .max(200, `Type “${deletePublicObjectsPhrase}” to confirm.`)
    .refine((typed) => typed.trim().toLowerCase() === deletePublicObjectsPhrase, `Type “${deletePublicObjectsPhrase}” exactly to confirm.`),
});
