/**
 * Admin → Applications → Transfer: where the applications come from (another Granary's address) and the transfer
 * token its administrator got there, then which of the listed applications to copy. Errors land on `sourceUrl`,
 * `token` and `names`.
 */
import { z } from "zod";
import { hasControlCharacter } from "./account";

export const transferSourceSchema = z.object({
  sourceUrl: z
    .string({ error: "Enter the other Granary's address." })
    .trim()
    .min(1, "Enter the other Granary's address.")
    .max(2000, "Addresses are at most 2,000 characters.")
    .refine((value) => !hasControlCharacter(value), "Addresses have no control characters.")
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
      } catch {
        return false;
      }
    }, "Enter the other Granary's address, such as https://granary.example.org."),
  token: z
    .string({ error: "Paste the transfer token." })
    .trim()
    .min(1, "Paste the transfer token.")
    .max(4000, "That is too long to be a transfer token.")
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "That is not a transfer token: paste the whole token shown on the other Granary's Actions page."),
});
export type TransferSourceInput = z.input<typeof transferSourceSchema>;

export const transferApplicationsSchema = transferSourceSchema.extend({
  names: z.array(z.string().trim().min(1).max(100)).min(1, "Pick at least one application.").max(100),
});
export type TransferApplicationsInput = z.input<typeof transferApplicationsSchema>;
