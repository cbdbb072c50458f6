import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import type { LicenseFields } from "../../licensing/license";

/**
 * Every license uploaded, newest last: the current one is the latest. The document is kept as uploaded, so it is
 * checked again against the configured public key whenever it is read (a changed key shows the license as not
 * valid rather than trusting what was checked once); the fields are a copy for listing.
 */
export const installedLicenses = pgTable(
  "installed_licenses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The license's own id (from the signed fields): notices are remembered per license, not per upload. */
    licenseId: uuid("license_id").notNull(),
    document: text("document").notNull(),
    fields: jsonb("fields").$type<LicenseFields>().notNull(),
    installedById: uuid("installed_by_id").references(() => users.id, { onDelete: "set null" }),
    installedAt: timestamp("installed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("installed_licenses_installed_idx").on(table.installedAt)],
);

/** The end-of-license e-mails already sent, one per license and notice, so the daily job sends each once. */
export const licenseNotices = pgTable(
  "license_notices",
  {
    licenseId: uuid("license_id").notNull(),
    notice: text("notice").notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.licenseId, table.notice] })],
);
