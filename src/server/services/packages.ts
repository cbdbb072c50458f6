/**
 * Finding and reading packages: owner listings, search, the dashboard's views, one package with its files, and
 * an owner's labels. What the actor may see is decided by the policy module's visiblePackages, inside each query.
 */
import { and, count, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import {
  dashboardViewSchema,
  listOwnerPackagesSchema,
  normalizePackageName,
  packageRefSchema,
  searchPackagesSchema,
  type PackageKind,
  type PackageSort,
} from "@/shared/schemas/packages";
import { administersOwner, allowedPackageActions, assertCan, packageAccessLevel, requireUser, visiblePackages, visiblePackagesLookedUp, type Actor } from "../authz";
import type { Db } from "../db";
import { fileLabels, packageFiles, packages, packageStars, users, yankedReleases, type FileType } from "../db/schema";
import { subquery } from "../db/subquery";
import { AppError } from "../errors";
import { downloadDays, downloadPlatform, downloadTrends, windowStart } from "./download-statistics";
import { requireVisibleOwner } from "./owners";
import { authorOf, dependenciesOf, latestFiles, platformOf, projectUrls, releasesOf, requiresPythonOf } from "./package-details";

const kindFileTypes: Record<Exclude<PackageKind, "all">, FileType[]> = {
  package: ["conda", "wheel", "sdist"],
  conda: ["conda"],
  pypi: ["wheel", "sdist"],
  notebook: ["notebook"],
  environment: ["environment"],
};

function kindCondition(kind: PackageKind): SQL | undefined {
  if (kind === "all") return undefined;
  return sql`exists (select 1 from ${packageFiles} where ${packageFiles.packageId} = ${packages.id} and ${inArray(packageFiles.fileType, kindFileTypes[kind])})`;
}

const downloadsOfPackage = sql<number>`(select coalesce(sum(${packageFiles.downloadCount}), 0)::bigint from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})`;
const starsOfPackage = sql<number>`(select count(*)::int from ${packageStars} where ${packageStars.packageId} = ${packages.id})`;

const packageSummaryColumns = {
  id: packages.id,
  name: packages.name,
  summary: packages.summary,
  latestVersion: packages.latestVersion,
  license: packages.license,
  isPrivate: packages.isPrivate,
  updatedAt: packages.updatedAt,
  owner: users.username,
  fileTypes: sql<FileType[]>`array(select distinct ${packageFiles.fileType} from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})`,
  downloads: sql<number>`${downloadsOfPackage}::int`.mapWith(Number),
  stars: starsOfPackage,
};

/** Days in the small trend line each listed package carries. */
export const trendDays = 30;

const orderings: Record<PackageSort, SQL[]> = {
  relevance: [desc(packages.updatedAt)],
  downloads: [sql`${downloadsOfPackage} desc`, desc(packages.updatedAt)],
  stars: [sql`${starsOfPackage} desc`, desc(packages.updatedAt)],
  updated: [desc(packages.updatedAt)],
};

/**
 * One page of the packages matching `where`, and how many match, in one query: the page's ids and the total come
 * from one pass over the matching rows (a window count beside the top-N sort), and only the page's rows are joined
 * to their owners and summed up. Counting in a second query read every match twice, which at 100,000 packages was
 * most of a search's time.
 */
async function pagedPackages(db: Db, where: SQL | undefined, page: { page: number; pageSize: number }, orderBy: SQL[] = orderings.updated) {
  const matching = db
    .select({ id: packages.id, total: sql<number>`(count(*) over ())::int`.as("total") })
    .from(packages)
    .where(where)
    .orderBy(...orderBy, packages.id)
    .limit(page.pageSize)
    .offset((page.page - 1) * page.pageSize)
    .as("matching");
  const rows = await db
    .select({ ...packageSummaryColumns, total: matching.total })
    .from(matching)
    .innerJoin(packages, eq(packages.id, matching.id))
    .innerJoin(users, eq(users.id, packages.ownerId))
    .orderBy(...orderBy, packages.id);
  const trends = await downloadTrends(
    db,
    rows.map((row) => row.id),
    trendDays,
  );
  const items = rows.map(({ total: _total, ...item }) => ({ ...item, trend: trends.get(item.id) ?? [] }));
  // Past the last page there is no row to carry the total.
  const total = rows[0]?.total ?? (page.page > 1 ? ((await db.select({ value: count() }).from(packages).where(where))[0]?.value ?? 0) : 0);
  return { items, total, page: page.page, pageSize: page.pageSize };
}

const escapedForLike = (term: string) => term.toLowerCase().replace(/[\\%_]/g, (match) => `\\${match}`);

/**
 * Every word in the name or the summary, case-insensitively: each word lower-cased by PostgreSQL, as the package's
 * search text was (packages.searchText, which the trigram index covers), so that both fold case by the same rules and
 * a substring search reads the index instead of every package.
 */
function matchesAllTerms(terms: string[]): SQL[] {
  return terms.map((term) => sql`${packages.searchText} like lower(${`%${term.replace(/[\\%_]/g, (match) => `\\${match}`)}%`})`);
}

/** Every word in the name, case-insensitively: the packages relevance puts first. */
function nameHoldsAllTerms(terms: string[]): SQL | undefined {
  return and(...terms.map((term) => sql`lower(${packages.name}) like ${`%${escapedForLike(term)}%`}`));
}

/** Search's order (searchPackages) in one expression, for listings small enough to sort whole (an owner's packages). */
function relevance(query: string, terms: string[]): SQL[] {
  if (!query) return orderings.relevance;
  return [
    sql`(case
      when lower(${packages.name}) = ${query.toLowerCase()} then 3
      when lower(${packages.name}) like ${`${escapedForLike(query)}%`} then 2
      when ${nameHoldsAllTerms(terms)} then 1
      else 0 end) desc`,
    ...orderings.relevance,
  ];
}

function platformCondition(platform: string | undefined): SQL | undefined {
  if (!platform) return undefined;
  return sql`exists (select 1 from ${packageFiles} platform_file where platform_file.package_id = ${packages.id} and ${downloadPlatform("platform_file")} = ${platform})`;
}

function labelCondition(label: string | undefined): SQL | undefined {
  if (!label) return undefined;
  return sql`exists (select 1 from ${packageFiles} labelled_file join ${fileLabels} on ${fileLabels.fileId} = labelled_file.id where labelled_file.package_id = ${packages.id} and ${fileLabels.label} = ${label})`;
}

export async function listOwnerPackages(db: Db, actor: Actor, rawInput: z.input<typeof listOwnerPackagesSchema>) {
  assertCan(actor, "package:read");
  const input = listOwnerPackagesSchema.parse(rawInput);
  const owner = await requireVisibleOwner(db, actor, input.owner);
  const terms = input.query.split(/\s+/).filter(Boolean);
  const ownersPackages = and(eq(packages.ownerId, owner.id), visiblePackages(actor));
  const [result, [totals]] = await Promise.all([
    pagedPackages(
      db,
      and(ownersPackages, kindCondition(input.kind), ...matchesAllTerms(terms)),
      input,
      input.query && input.sort === "relevance" ? relevance(input.query, terms) : orderings[input.sort],
    ),
    // The owner's figures count only what the visitor may see: a private package's downloads tell of it.
    db
      .select({ packages: count(), downloads: sql<number>`coalesce(sum(${downloadsOfPackage}), 0)::bigint`.mapWith(Number) })
      .from(packages)
      .where(ownersPackages),
  ]);
  // A public page: what anyone may know of the owner, never its address or plan.
  return {
    owner: { username: owner.username, name: owner.name, kind: owner.kind, createdAt: owner.createdAt },
    totals: { packages: totals?.packages ?? 0, downloads: totals?.downloads ?? 0 },
    ...result,
  };
}

/**
 * How far a search counts its matches. A broad word matches a good part of 100,000 packages, and counting them all
 * read every match for a figure nobody needs exactly: past this, the page says "1,000+" and asks for more words.
 */
export const searchMatchLimit = 1000;

/** One part of a search's ranking: its ids in order, and how many packages match it. */
interface RankedPart {
  ids: string[];
  /** How many match: all of them when `complete`, else at least this many. */
  matches: number;
  /** Whether every match was read (or counted), rather than the reading stopping at the page. */
  complete: boolean;
}

/**
 * The newest `limit` of the packages `condition` picks (those `firstOf` holds for first), all of them read first and
 * then sorted, with how many there are. For the names starting with a word, which packages_name_prefix_idx holds in
 * full (index-only, however common the start), and for words whose packages are old: walking the newest packages
 * instead, which PostgreSQL prefers for a common word, reads the whole table when its packages are old. The CTE is
 * materialized so that it cannot.
 */
async function newestOfAll(db: Db, condition: SQL | undefined, limit: number, firstOf: SQL = sql`false`): Promise<RankedPart> {
  const rows = await db.execute<{ id: string; matches: number }>(sql`with candidates as materialized (
      select ${packages.id} as id, ${packages.updatedAt} as updated_at, ${firstOf} as first from ${packages} where ${condition})
    select id, (select count(*) from candidates)::int as matches from candidates order by first desc, updated_at desc, id limit ${limit}`);
  return { ids: rows.map((row) => row.id), matches: rows.length > 0 ? Number(rows[0]!.matches) : 0, complete: true };
}

/**
 * How many of the newest packages a search walks looking for a page of matches of a part before it reads every match
 * of the part instead (newestOfAll). A word in one package of 40 fills a page within it; a rarer or older one costs
 * this walk and then its matches, which the trigram indexes find.
 */
const newestWalk = 1000;

/** The newest `limit` of the packages `condition` picks: from the newest packages if they hold enough, else from all. */
async function newestMatching(db: Db, condition: SQL | undefined, limit: number): Promise<RankedPart> {
  const recent = await db.execute<{ id: string }>(sql`select id from (
      select ${packages.id} as id, ${packages.updatedAt} as updated_at, coalesce(${condition}, false) as hit
      from ${packages} order by ${packages.updatedAt} desc, ${packages.id} limit ${newestWalk}) as recent
    where hit order by updated_at desc, id limit ${limit}`);
  if (recent.length >= limit) return { ids: recent.map((row) => row.id), matches: recent.length, complete: false };
  return newestOfAll(db, condition, limit);
}

/**
 * Search: the packages the actor may see holding every word, a page at a time. Relevance (the default) puts first the
 * package named exactly as asked, then names starting with the words, then names holding them elsewhere, then the
 * packages holding them in the summary only, each part newest first. The parts are asked for one after another, each
 * only as far as the page reaches, so a broad word costs about a page's worth of rows rather than all its matches.
 * The matches are counted only when the parts do not tell: when every part was read to its end their matches add up
 * to the total, and when those read whole already pass the limit the total is "1,000+".
 */
export async function searchPackages(db: Db, actor: Actor, rawInput: z.input<typeof searchPackagesSchema>) {
  assertCan(actor, "package:read");
  const input = searchPackagesSchema.parse(rawInput);
  const terms = input.query.split(/\s+/).filter(Boolean);
  const visible = await visiblePackagesLookedUp(db, actor);
  const filters = and(visible, kindCondition(input.kind), platformCondition(input.platform), labelCondition(input.label));
  const where = and(filters, ...matchesAllTerms(terms));
  const offset = (input.page - 1) * input.pageSize;
  const reach = offset + input.pageSize;
  const idsInOrder = (condition: SQL | undefined, orderBy: SQL[], limit: number): Promise<RankedPart> =>
    db
      .select({ id: packages.id })
      .from(packages)
      .where(condition)
      .orderBy(...orderBy, packages.id)
      .limit(limit)
      .then((rows) => ({ ids: rows.map((row) => row.id), matches: rows.length, complete: rows.length < limit }));
  /** The page's ids in order, and how many match, as far as the parts read tell. */
  const ranked = async (): Promise<RankedPart> => {
    if (offset >= searchMatchLimit) return { ids: [], matches: 0, complete: false };
    if (input.sort !== "relevance" || terms.length === 0) return idsInOrder(where, orderings[input.sort], reach);
    const lowerName = sql`lower(${packages.name})`;
    const query = input.query.toLowerCase();
    const startsWithQuery = sql`${lowerName} like ${`${escapedForLike(input.query)}%`}`;
    // The same names as a range of packages_name_prefix_idx, which PostgreSQL can read with the bounds as parameters:
    // it derives a range from `like 'data%'` only when planning for that very text, and the statements are prepared,
    // so after a few searches their generic plan read the names through the trigram index and the table instead (an
    // index-only 1.5 ms became 11 ms). Every name starting with the query sorts between it and it followed by the
    // highest character, which no package name holds (names are ASCII letters, digits, dots, hyphens, underscores).
    const inPrefixRange = sql`${lowerName} ~>=~ ${query} and ${lowerName} ~<~ ${`${query}\u{10FFFF}`}`;
    const parts: Array<(limit: number) => Promise<RankedPart>> = [
      // The exact name is the first of the names starting with the query.
      (limit) => newestOfAll(db, and(filters, inPrefixRange, startsWithQuery), limit, sql`${lowerName} = ${query}`),
      (limit) => newestMatching(db, and(filters, nameHoldsAllTerms(terms), sql`not (${startsWithQuery})`), limit),
      (limit) => newestMatching(db, and(where, sql`not (${nameHoldsAllTerms(terms)})`), limit),
    ];
    const ids: string[] = [];
    let matches = 0;
    let complete = true;
    for (const part of parts) {
      if (ids.length >= reach) {
        complete = false;
        break;
      }
      const found = await part(reach - ids.length);
      ids.push(...found.ids);
      matches += found.matches;
      complete &&= found.complete;
    }
    return { ids, matches, complete };
  };
  const countMatches = async () => {
    const [counted] = await db
      .select({ value: count() })
      .from(db.select({ id: packages.id }).from(packages).where(where).limit(searchMatchLimit + 1).as("matches"));
    return counted?.value ?? 0;
  };
  const found = await ranked();
  const matches = found.complete || found.matches > searchMatchLimit ? found.matches : await countMatches();
  const pageIds = found.ids.slice(offset, reach);
  const items = await packageSummaries(db, pageIds);
  return {
    items,
    total: Math.min(matches, searchMatchLimit),
    /** More match than were counted: the total is a lower bound ("1,000+"). */
    moreMatches: matches > searchMatchLimit,
    page: input.page,
    pageSize: input.pageSize,
  };
}

/** Listed packages by id, in the order given, with their owners, figures and download trends. */
async function packageSummaries(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await db.select(packageSummaryColumns).from(packages).innerJoin(users, eq(users.id, packages.ownerId)).where(inArray(packages.id, ids));
  const position = new Map(ids.map((id, index) => [id, index]));
  rows.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  const trends = await downloadTrends(db, ids, trendDays);
  return rows.map((row) => ({ ...row, trend: trends.get(row.id) ?? [] }));
}

/**
 * What the search page's filters offer: the platforms and labels of the packages the actor may see, each with how
 * many of them have it (a private package's platform is counted only for those who see it).
 */
export async function listSearchFacets(db: Db, actor: Actor) {
  assertCan(actor, "package:read");
  const [platforms, labels] = await Promise.all([
    db.execute<{ value: string; packages: number }>(sql`
      select ${downloadPlatform("facet_file")} as value, count(distinct facet_file.package_id)::int as packages
      from ${packageFiles} facet_file join ${packages} on ${packages.id} = facet_file.package_id
      where ${visiblePackages(actor)}
      group by 1 order by 2 desc, 1 limit 50`),
    db
      .select({ value: fileLabels.label, packages: sql<number>`count(distinct ${packages.id})::int` })
      .from(fileLabels)
      .innerJoin(packageFiles, eq(packageFiles.id, fileLabels.fileId))
      .innerJoin(packages, eq(packages.id, packageFiles.packageId))
      .where(visiblePackages(actor))
      .groupBy(fileLabels.label)
      .orderBy(desc(sql`count(distinct ${packages.id})`), fileLabels.label)
      .limit(50),
  ]);
  return { platforms: platforms.map((row) => ({ value: row.value, packages: Number(row.packages) })), labels };
}

/** The signed-in account's own packages, for the dashboard's views. */
export async function listMyPackages(db: Db, actor: Actor, rawInput: z.input<typeof dashboardViewSchema>) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const input = dashboardViewSchema.parse(rawInput);
  return pagedPackages(db, and(eq(packages.ownerId, user.id), visiblePackages(actor), kindCondition(input.kind)), input);
}

/**
 * The dashboard's tiles: how many packages the account publishes, their downloads over the last 30 days (today's
 * included) day by day, and the stars they have been given.
 */
export async function getDashboardSummary(db: Db, actor: Actor) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const own = await db
    .select({ id: packages.id, stars: starsOfPackage })
    .from(packages)
    .where(and(eq(packages.ownerId, user.id), visiblePackages(actor)));
  const since = windowStart(trendDays);
  const daily = new Array<number>(trendDays).fill(0);
  const start = Date.parse(`${since}T00:00:00Z`);
  for (const row of await downloadDays(
    db,
    own.map((row) => row.id),
    since,
  )) {
    const index = Math.round((Date.parse(`${row.day}T00:00:00Z`) - start) / 86_400_000);
    if (index >= 0 && index < trendDays) daily[index]! += row.count;
  }
  const [favorites] = await db.select({ value: count() }).from(packageStars).where(eq(packageStars.userId, user.id));
  return {
    packages: own.length,
    stars: own.reduce((total, row) => total + row.stars, 0),
    favorites: favorites?.value ?? 0,
    downloads: { days: trendDays, since, daily, total: daily.reduce((total, value) => total + value, 0) },
  };
}

export async function listFavorites(db: Db, actor: Actor, rawInput: z.input<typeof dashboardViewSchema>) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const input = dashboardViewSchema.parse(rawInput);
  const starred = sql`exists (select 1 from ${packageStars} where ${packageStars.packageId} = ${packages.id} and ${packageStars.userId} = ${user.id})`;
  return pagedPackages(db, and(starred, visiblePackages(actor), kindCondition(input.kind)), input);
}

/**
 * A package's downloads per day, version and platform over the last year (today's included), for its page's
 * charts: `since` is the first day, and days without downloads have no row.
 */
export async function getPackageDownloads(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>) {
  assertCan(actor, "package:read");
  const input = packageRefSchema.parse(rawInput);
  const { pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  const since = windowStart(downloadHistoryDays);
  const days = await downloadDays(db, [pkg.id], since);
  return { since, days: downloadHistoryDays, rows: days.map(({ packageId: _packageId, ...row }) => row) };
}

/** The longest window a package page charts. */
export const downloadHistoryDays = 365;

export async function loadVisiblePackage(db: Db, actor: Actor, ownerName: string, name: string) {
  const owner = await requireVisibleOwner(db, actor, ownerName);
  const [row] = await db
    .select()
    .from(packages)
    .where(and(eq(packages.ownerId, owner.id), eq(packages.normalizedName, normalizePackageName(name)), visiblePackages(actor)));
  if (!row) throw new AppError("NOT_FOUND", `There is no package ${ownerName}/${name}.`);
  return { owner, pkg: row };
}

export async function getPackage(db: Db, actor: Actor, rawInput: z.input<typeof packageRefSchema>) {
  assertCan(actor, "package:read");
  const input = packageRefSchema.parse(rawInput);
  const { owner, pkg } = await loadVisiblePackage(db, actor, input.owner, input.name);
  const files = await db
    .select({
      id: packageFiles.id,
      filename: packageFiles.filename,
      version: packageFiles.version,
      fileType: packageFiles.fileType,
      subdir: packageFiles.subdir,
      size: packageFiles.size,
      sha256: packageFiles.sha256,
      downloadCount: packageFiles.downloadCount,
      createdAt: packageFiles.createdAt,
      requiresPython: packageFiles.requiresPython,
      metadata: packageFiles.metadata,
      labels: subquery<string[]>(sql`array(select ${fileLabels.label} from ${fileLabels} where ${fileLabels.fileId} = ${packageFiles.id} order by ${fileLabels.label})`),
      yankedReason: yankedReleases.reason,
    })
    .from(packageFiles)
    .leftJoin(yankedReleases, and(eq(yankedReleases.packageId, packageFiles.packageId), eq(yankedReleases.version, packageFiles.version)))
    .where(eq(packageFiles.packageId, pkg.id))
    .orderBy(desc(packageFiles.createdAt), packageFiles.filename);
  const [stars] = await db.select({ value: count() }).from(packageStars).where(eq(packageStars.packageId, pkg.id));
  const level = await packageAccessLevel(db, actor, pkg.id);
  const can = allowedPackageActions(level);
  const starredByMe =
    actor.kind === "user"
      ? (await db.select().from(packageStars).where(and(eq(packageStars.packageId, pkg.id), eq(packageStars.userId, actor.user.id)))).length > 0
      : false;
  const latest = latestFiles(files, pkg.latestVersion);
  const dependencies = dependenciesOf(latest);
  const found = await findPackagesByName(db, actor, owner.id, dependencies.map((dependency) => dependency.name));
  return {
    ...pkg,
    owner: owner.username,
    // The stored metadata stays on the server: the page needs only what is read from it below.
    files: files.map(({ metadata: _metadata, ...file }) => ({ ...file, platform: platformOf(file) })),
    details: {
      projectUrls: projectUrls(latest, pkg.homepage),
      author: authorOf(latest),
      requiresPython: requiresPythonOf(latest),
      dependencies: dependencies.map((dependency) => ({ ...dependency, href: found.get(normalizePackageName(dependency.name)) ?? null })),
      releases: releasesOf(files),
      platforms: [...new Set(files.map(platformOf))].sort(),
      totalDownloads: files.reduce((total, file) => total + file.downloadCount, 0),
    },
    stars: stars?.value ?? 0,
    starredByMe,
    ownerKind: owner.kind,
    access: { level, can: { ...can, transfer: can.transfer && (await administersOwner(db, actor, owner)) } },
  };
}

/**
 * The pages of the named packages that the actor may see, by normalized name: the owner's own package of that
 * name first, else the most starred one of that name elsewhere on this Granary.
 */
async function findPackagesByName(db: Db, actor: Actor, preferredOwnerId: string, names: string[]): Promise<Map<string, string>> {
  const normalized = [...new Set(names.map(normalizePackageName))];
  if (normalized.length === 0) return new Map();
  const rows = await db
    .select({ normalizedName: packages.normalizedName, name: packages.name, owner: users.username })
    .from(packages)
    .innerJoin(users, eq(users.id, packages.ownerId))
    .where(and(inArray(packages.normalizedName, normalized), visiblePackages(actor)))
    .orderBy(
      sql`(${packages.ownerId} = ${preferredOwnerId}) desc`,
      desc(sql`(select count(*) from ${packageStars} where ${packageStars.packageId} = ${packages.id})`),
      packages.id,
    );
  const found = new Map<string, string>();
  for (const row of rows) {
    if (!found.has(row.normalizedName)) found.set(row.normalizedName, `/${encodeURIComponent(row.owner)}/${encodeURIComponent(row.name)}`);
  }
  return found;
}

/** Every label in use on the owner's visible files, with how many files carry it. */
export async function listLabels(db: Db, actor: Actor, ownerName: string) {
  assertCan(actor, "package:read");
  const owner = await requireVisibleOwner(db, actor, ownerName);
  return db
    .select({ label: fileLabels.label, files: count() })
    .from(fileLabels)
    .innerJoin(packageFiles, eq(packageFiles.id, fileLabels.fileId))
    .innerJoin(packages, eq(packages.id, packageFiles.packageId))
    .where(and(eq(packageFiles.ownerId, owner.id), visiblePackages(actor)))
    .groupBy(fileLabels.label)
    .orderBy(fileLabels.label);
}

