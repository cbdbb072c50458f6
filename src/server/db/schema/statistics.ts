import { bigint, date, index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { packages } from "./packages";

/**
 * Downloads per package per day, by version and platform (a conda subdir, a wheel's platform tag, `source` for
 * sdists): what package-page charts read. Rolled up from daily_downloads by a periodic job; a day's total only grows,
 * so files deleted since keep the downloads they had.
 */
export const packageDownloadDays = pgTable(
  "package_download_days",
  {
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    version: text("version").notNull(),
    platform: text("platform").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.packageId, table.day, table.version, table.platform] }),
    // The roll-up's latest day, which the roll-up and every chart read (from the day before it on, figures are live).
    index("package_download_days_day_idx").on(table.day),
  ],
);

/** The site's size once a day, for the admin charts. */
export const siteStatistics = pgTable("site_statistics", {
  day: date("day", { mode: "string" }).primaryKey(),
  users: integer("users").notNull(),
  /** Owners of kind organization; `users` counts people only. */
  organizations: integer("organizations").notNull(),
  packages: integer("packages").notNull(),
  files: integer("files").notNull(),
  /** Distinct blobs: the store keeps each content once, however many files share it. */
  bytesStored: bigint("bytes_stored", { mode: "number" }).notNull(),
  /** Every download ever counted, and those of this day. */
  downloads: bigint("downloads", { mode: "number" }).notNull(),
  downloadsOnDay: bigint("downloads_on_day", { mode: "number" }).notNull(),
  takenAt: timestamp("taken_at", { withTimezone: true }).notNull().defaultNow(),
});
