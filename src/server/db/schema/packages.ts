import { sql } from "drizzle-orm";
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";

export const fileTypes = ["conda", "wheel", "sdist", "notebook", "environment"] as const;
export type FileType = (typeof fileTypes)[number];

/**
 * A named package under an owner. One package can hold conda files and Python distributions alike (the same
 * project published both ways); names are compared in their PEP 503 normalized form.
 */
export const packages = pgTable(
  "packages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    normalizedName: text("normalized_name").notNull(),
    summary: text("summary"),
    description: text("description"),
    descriptionContentType: text("description_content_type"),
    homepage: text("homepage"),
    license: text("license"),
    latestVersion: text("latest_version"),
    isPrivate: boolean("is_private").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * What search matches words in: the name and the summary as one lower-case text (a word never holds a space, so a
     * match never spans the two). Kept by PostgreSQL, lower-cased once when a package is saved: a search compares
     * bytes with `like` rather than folding the case of every candidate's text with `ilike`, which cost it half its
     * time. The trigram index below is built over it, so `like '%word%'` reads the index instead of every package.
     */
    searchText: text("search_text").generatedAlwaysAs(sql`lower(name || ' ' || coalesce(summary, ''))`),
  },
  (table) => [
    uniqueIndex("packages_owner_name_unique").on(table.ownerId, table.normalizedName),
    // pg_trgm's operator class (the extension is created by the migration that adds this index).
    index("packages_search_text_trgm_idx").using("gin", sql`${table.searchText} gin_trgm_ops`),
    // Search's first part, the packages whose name holds every word (services/packages.ts, searchPackages).
    index("packages_name_trgm_idx").using("gin", sql`lower(${table.name}) gin_trgm_ops`),
    // The names that are the words or start with them, read from this index alone (index-only: the name and every
    // column the ranking and the visibility rules read are in it), however common the start: drizzle has no INCLUDE,
    // so they are keys after the name's.
    index("packages_name_prefix_idx").using(
      "btree",
      sql`lower(${table.name}) text_pattern_ops`,
      table.name,
      table.updatedAt,
      table.id,
      table.ownerId,
      table.isPrivate,
    ),
    // Search's later parts, newest first, and every listing by last update: read in order, it stops at the page's end.
    index("packages_updated_idx").on(table.updatedAt.desc().nullsFirst(), table.id),
    // The Daily Report counts packages created in a range of days.
    index("packages_created_idx").on(table.createdAt),
  ],
);

/**
 * One uploaded file. `subdir` places it in its index: a conda platform (noarch, linux-64, ...) for conda files,
 * `pypi` for Python distributions, `notebooks` or `environments` for the rest; a filename is unique within it.
 * The bytes live in content-addressed storage under their sha256.
 */
export const packageFiles = pgTable(
  "package_files",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    ownerId: uuid("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fileType: text("file_type", { enum: fileTypes }).notNull(),
    subdir: text("subdir").notNull(),
    filename: text("filename").notNull(),
    version: text("version").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    md5: text("md5").notNull(),
    /** conda: info/index.json (+ about); wheel/sdist: parsed core metadata; notebook/environment: summary facts. */
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
    /** The distribution's METADATA file, served as PEP 658 metadata for wheels. */
    coreMetadata: text("core_metadata"),
    coreMetadataSha256: text("core_metadata_sha256"),
    requiresPython: text("requires_python"),
    uploadedById: uuid("uploaded_by_id").references(() => users.id, { onDelete: "set null" }),
    downloadCount: bigint("download_count", { mode: "number" }).notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex("package_files_owner_subdir_filename_unique").on(table.ownerId, table.subdir, table.filename),
    index("package_files_package_idx").on(table.packageId),
    index("package_files_sha256_idx").on(table.sha256),
  ],
);

/**
 * Yanked releases (PEP 592): a version of a package its administrators withdrew without deleting it. Installers
 * skip a yanked version unless it is asked for exactly (`==1.0`), so pinned environments still install. Kept by
 * version rather than on each file: a yank withdraws the release, files uploaded to it later included.
 */
export const yankedReleases = pgTable(
  "yanked_releases",
  {
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    /** Why, for the people whose installers skip it; empty when none was given. */
    reason: text("reason").notNull().default(""),
    yankedById: uuid("yanked_by_id").references(() => users.id, { onDelete: "set null" }),
    yankedAt: timestamp("yanked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.packageId, table.version] })],
);

/** Labels on files (conda reads them at /<owner>/label/<label>/...); every file starts with `main`. */
export const fileLabels = pgTable(
  "file_labels",
  {
    fileId: uuid("file_id")
      .notNull()
      .references(() => packageFiles.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.fileId, table.label] }), index("file_labels_label_idx").on(table.label)],
);

/** Downloads per file per day, for the stats; the running total lives on the file. */
export const dailyDownloads = pgTable(
  "daily_downloads",
  {
    fileId: uuid("file_id")
      .notNull()
      .references(() => packageFiles.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    count: integer("count").notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.fileId, table.day] }),
    // The Daily Report sums a range of days across every file.
    index("daily_downloads_day_idx").on(table.day),
  ],
);

export const packageStars = pgTable(
  "package_stars",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    packageId: uuid("package_id")
      .notNull()
      .references(() => packages.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.packageId] }), index("package_stars_package_idx").on(table.packageId)],
);

/**
 * A counter per owner that moves whenever anything its indexes show changes (a file, a label, privacy).
 * Cached indexes are keyed by it, so they are rebuilt only when their content changes.
 */
export const channelRevisions = pgTable("channel_revisions", {
  ownerId: uuid("owner_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  revision: bigint("revision", { mode: "number" }).notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
