/**
 * Finding and reading packages: owner listings, search, the dashboard's views, one package with its files, and
 * an owner's labels. What the actor may see is decided by the policy module's visiblePackages, inside each query.
 */
import { and, count, desc, eq, ilike, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import {
  dashboardViewSchema,
  listOwnerPackagesSchema,
  normalizePackageName,
  packageRefSchema,
  searchPackagesSchema,
  type PackageKind,
} from "@/shared/schemas/packages";
import { administersOwner, allowedPackageActions, assertCan, packageAccessLevel, requireUser, visiblePackages, type Actor } from "../authz";
import type { Db } from "../db";
import { fileLabels, packageFiles, packages, packageSearchText, packageStars, users, type FileType } from "../db/schema";
import { subquery } from "../db/subquery";
import { AppError } from "../errors";
import { requireVisibleOwner } from "./owners";

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

const packageSummaryColumns = {
  id: packages.id,
  name: packages.name,
  summary: packages.summary,
  latestVersion: packages.latestVersion,
  isPrivate: packages.isPrivate,
  updatedAt: packages.updatedAt,
  owner: users.username,
  fileTypes: sql<FileType[]>`array(select distinct ${packageFiles.fileType} from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})`,
  downloads: sql<number>`(select coalesce(sum(${packageFiles.downloadCount}), 0)::int from ${packageFiles} where ${packageFiles.packageId} = ${packages.id})`,
  stars: sql<number>`(select count(*)::int from ${packageStars} where ${packageStars.packageId} = ${packages.id})`,
};

/**
 * One page of the packages matching `where`, and how many match, in one query: the page's ids and the total come
 * from one pass over the matching rows (a window count beside the top-N sort), and only the page's rows are joined
 * to their owners and summed up. Counting in a second query read every match twice, which at 100,000 packages was
 * most of a search's time.
 */
async function pagedPackages(db: Db, where: SQL | undefined, page: { page: number; pageSize: number }, orderBy: SQL[] = [desc(packages.updatedAt)]) {
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
  const items = rows.map(({ total: _total, ...item }) => item);
  // Past the last page there is no row to carry the total.
  const total = rows[0]?.total ?? (page.page > 1 ? ((await db.select({ value: count() }).from(packages).where(where))[0]?.value ?? 0) : 0);
  return { items, total, page: page.page, pageSize: page.pageSize };
}

export async function listOwnerPackages(db: Db, actor: Actor, rawInput: z.input<typeof listOwnerPackagesSchema>) {
  assertCan(actor, "package:read");
  const input = listOwnerPackagesSchema.parse(rawInput);
  const owner = await requireVisibleOwner(db, actor, input.owner);
  const result = await pagedPackages(db, and(eq(packages.ownerId, owner.id), visiblePackages(actor), kindCondition(input.kind)), input);
  // A public page: what anyone may know of the owner, never its address or plan.
  return { owner: { username: owner.username, name: owner.name, kind: owner.kind, createdAt: owner.createdAt }, ...result };
}

export async function searchPackages(db: Db, actor: Actor, rawInput: z.input<typeof searchPackagesSchema>) {
  assertCan(actor, "package:read");
  const input = searchPackagesSchema.parse(rawInput);
  const terms = input.query.split(/\s+/).filter(Boolean);
  const matches = terms.map((term) => {
    const pattern = `%${term.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    return ilike(packageSearchText(packages), pattern);
  });
  const exactFirst = input.query ? [sql`(lower(${packages.name}) = ${input.query.toLowerCase()}) desc`] : [];
  return pagedPackages(db, and(visiblePackages(actor), kindCondition(input.kind), ...matches), input, [...exactFirst, desc(packages.updatedAt)]);
}

/** The signed-in account's own packages, for the dashboard's views. */
export async function listMyPackages(db: Db, actor: Actor, rawInput: z.input<typeof dashboardViewSchema>) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const input = dashboardViewSchema.parse(rawInput);
  return pagedPackages(db, and(eq(packages.ownerId, user.id), visiblePackages(actor), kindCondition(input.kind)), input);
}

export async function listFavorites(db: Db, actor: Actor, rawInput: z.input<typeof dashboardViewSchema>) {
  assertCan(actor, "package:read");
  const { user } = requireUser(actor);
  const input = dashboardViewSchema.parse(rawInput);
  const starred = sql`exists (select 1 from ${packageStars} where ${packageStars.packageId} = ${packages.id} and ${packageStars.userId} = ${user.id})`;
  return pagedPackages(db, and(starred, visiblePackages(actor), kindCondition(input.kind)), input);
}

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
      labels: subquery<string[]>(sql`array(select ${fileLabels.label} from ${fileLabels} where ${fileLabels.fileId} = ${packageFiles.id} order by ${fileLabels.label})`),
    })
    .from(packageFiles)
    .where(eq(packageFiles.packageId, pkg.id))
    .orderBy(desc(packageFiles.createdAt), packageFiles.filename);
  const [stars] = await db.select({ value: count() }).from(packageStars).where(eq(packageStars.packageId, pkg.id));
  const level = await packageAccessLevel(db, actor, pkg.id);
  const can = allowedPackageActions(level);
  const starredByMe =
    actor.kind === "user"
      ? (await db.select().from(packageStars).where(and(eq(packageStars.packageId, pkg.id), eq(packageStars.userId, actor.user.id)))).length > 0
      : false;
  return {
    ...pkg,
    owner: owner.username,
    files,
    stars: stars?.value ?? 0,
    starredByMe,
    ownerKind: owner.kind,
    access: { level, can: { ...can, transfer: can.transfer && (await administersOwner(db, actor, owner)) } },
  };
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

