import { z } from "zod";
import { hasControlCharacter } from "./account";

/**
 * An address the site is reached at: empty (unset), or an absolute http(s) URL without credentials, query or
 * fragment. Kept without a trailing slash, so links are built by appending a path.
 */
const siteAddressSchema = (what: string) =>
  z
    .string()
    .trim()
    .max(500, `The ${what} is at most 500 characters.`)
    .refine((value) => !hasControlCharacter(value), `The ${what} cannot contain control characters.`)
    .refine((value) => value === "" || isHttpUrl(value), `The ${what} must be an http:// or https:// address, such as https://packages.example.com.`)
    .refine((value) => value === "" || hasNoExtras(value), `The ${what} cannot carry a user name, password, query or fragment.`)
    .transform((value) => value.replace(/\/+$/, ""));

function parsedUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function isHttpUrl(value: string): boolean {
  const url = parsedUrl(value);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

function hasNoExtras(value: string): boolean {
  const url = parsedUrl(value);
  return url !== null && url.username === "" && url.password === "" && url.search === "" && url.hash === "" && !value.includes("?") && !value.includes("#");
}

export const packageAccessValues = ["public", "private"] as const;

/** Below 80 % different hashes, a type of object repeats itself more than it should (seed 003: the higher the better). */
export const defaultHashWarningPercent = 80;
export type PackageAccess = (typeof packageAccessValues)[number];

/** Admin → General: where the site and its files are reached, and whether new packages start public or private. */
export const generalSettingsSchema = z.object({
  /** Used in e-mailed links when the environment does not set PUBLIC_URL; empty = http://localhost:PORT. */
  siteUrl: siteAddressSchema("site URL"),
  /** Where index pages send clients for package files (a CDN or cache in front of Granary); empty = Granary itself. */
  staticUrl: siteAddressSchema("static URL"),
  defaultPackageAccess: z.enum(packageAccessValues, "Choose public or private."),
  /** Admin → Hash Warnings warns about an object type whose share of different content hashes is below this. */
  hashWarningPercent: z.coerce
    .number({ error: "Enter a percentage from 0 to 100." })
    .int("Enter a whole percentage from 0 to 100.")
    .min(0, "Enter a percentage from 0 to 100.")
    .max(100, "Enter a percentage from 0 to 100.")
    .default(defaultHashWarningPercent),
});
export type GeneralSettingsInput = z.input<typeof generalSettingsSchema>;
export type GeneralSettings = z.output<typeof generalSettingsSchema>;

/** Admin → Stats: how far back the charts reach. */
export const statisticsPeriods = ["30d", "90d", "1y", "all"] as const;
export type StatisticsPeriod = (typeof statisticsPeriods)[number];
export const statisticsPeriodSchema = z.object({ period: z.enum(statisticsPeriods, "Choose 30 days, 90 days, a year or all.").default("30d") });
