/**
 * What the package, owner, search and dashboard pages read: details from stored metadata, dependencies linked to
 * the packages of this Granary the reader may see, search filters and orders, downloads with today's included,
 * and notebook previews.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { callerFor } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { anonymous, createPublishedPackage, createUser } from "@/test/factories";
import { dailyDownloads, fileLabels, packageDownloadDays, packageFiles, packages } from "../db/schema";
import { rollUpDownloadsJob } from "../jobs/definitions/roll-up-downloads";
import { BlobStore } from "../storage";
import { downloadDays, windowStart } from "./download-statistics";
import { getNotebookPreview, notebookCells } from "./notebook-preview";
import { authorOf, dependenciesOf, platformOf, projectUrls, releasesOf, type DetailFile } from "./package-details";
import { searchMatchLimit } from "./packages";

const db = setUpTestDatabase();
const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "granary-package-pages-"));
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const today = new Date().toISOString().slice(0, 10);

function detailFile(overrides: Partial<DetailFile>): DetailFile {
  return { fileType: "wheel", filename: "x-1.0-py3-none-any.whl", subdir: "pypi", version: "1.0", requiresPython: null, createdAt: new Date("2026-01-01"), metadata: {}, ...overrides };
}

async function addFile(packageId: string, ownerId: string, values: Partial<typeof packageFiles.$inferInsert> & { filename: string }) {
  const [file] = await db
    .insert(packageFiles)
    .values({ packageId, ownerId, fileType: "wheel", subdir: "pypi", version: "1.0", size: 10, sha256: "1".repeat(64), md5: "1".repeat(32), ...values })
    .returning({ id: packageFiles.id });
  await db.insert(fileLabels).values({ fileId: file!.id, label: "main" });
  return file!.id;
}

describe("package details from stored metadata", () => {
  it("reads project addresses (web ones only), the author's name without an address, and each requirement once", () => {
    const wheel = detailFile({
      metadata: {
        home_page: "https://example.org",
        project_url: ["Source, https://git.example.org/x", "Evil, javascript:alert(1)", "Docs, https://docs.example.org"],
        author_email: '"Jane Doe" <jane@example.org>, Joe <joe@example.org>',
        requires_dist: ["numpy>=1.20", 'requests[socks] (>=2); extra == "net"', "numpy>=1.20"],
      },
    });
    const conda = detailFile({ fileType: "conda", filename: "x-1.0-py_0.conda", subdir: "noarch", metadata: { depends: ["python >=3.9", "conda-forge::pandas"], about: { home: "https://example.org", dev_url: "ftp://x" } } });
    expect(projectUrls([wheel, conda], null)).toEqual([
      { label: "Homepage", url: "https://example.org/" },
      { label: "Source", url: "https://git.example.org/x" },
      { label: "Docs", url: "https://docs.example.org/" },
    ]);
    expect(authorOf([wheel])).toBe("Jane Doe, Joe");
    expect(dependenciesOf([wheel, conda]).map((dependency) => [dependency.kind, dependency.name, dependency.extra])).toEqual([
      ["conda", "python", null],
      ["conda", "pandas", null],
      ["python", "numpy", null],
      ["python", "requests", "net"],
    ]);
  });

  it("lists releases newest first with their first upload, and names each file's platform", () => {
    const files = [
      detailFile({ version: "1.0", createdAt: new Date("2026-01-02") }),
      detailFile({ version: "1.0", createdAt: new Date("2026-01-01") }),
      detailFile({ version: "2.0", createdAt: new Date("2026-02-01"), yankedReason: "" }),
    ];
    expect(releasesOf(files)).toEqual([
      { version: "2.0", uploadedAt: new Date("2026-02-01"), files: 1, yanked: { reason: "" } },
      { version: "1.0", uploadedAt: new Date("2026-01-01"), files: 2, yanked: null },
    ]);
    expect(platformOf({ fileType: "wheel", filename: "x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", subdir: "pypi" })).toBe("manylinux_2_17_x86_64");
    expect(platformOf({ fileType: "sdist", filename: "x-1.0.tar.gz", subdir: "pypi" })).toBe("source");
    expect(platformOf({ fileType: "conda", filename: "x-1.0-0.conda", subdir: "linux-64" })).toBe("linux-64");
  });

  it("links a dependency to the owner's own package first, and never to one the reader may not see", async () => {
    const owner = await createUser(db, { username: "maker" });
    const other = await createUser(db, { username: "other" });
    const app = await createPublishedPackage(db, owner, "app");
    await db
      .update(packageFiles)
      .set({ metadata: { name: "app", version: "1.0", depends: ["helper >=1", "shared", "hidden"] } })
      .where(eq(packageFiles.id, app.fileId));
    await createPublishedPackage(db, other, "helper");
    await createPublishedPackage(db, other, "shared");
    await createPublishedPackage(db, owner, "shared");
    await createPublishedPackage(db, other, "hidden", { isPrivate: true });

    const pkg = await callerFor(anonymous()).packages.get({ owner: "maker", name: "app" });
    expect(pkg.details.dependencies.map((dependency) => [dependency.name, dependency.href])).toEqual([
      ["helper", "/other/helper"],
      ["shared", "/maker/shared"],
      ["hidden", null],
    ]);
    const asOther = await callerFor(other.actor).packages.get({ owner: "maker", name: "app" });
    expect(asOther.details.dependencies.find((dependency) => dependency.name === "hidden")?.href).toBe("/other/hidden");
    expect(JSON.stringify(pkg)).not.toContain('"metadata"');
  });
});

describe("downloads", () => {
  it("shows today's downloads before any roll-up, and the larger figure of a rolled-up day and its live count", async () => {
    const owner = await createUser(db);
    const { packageId, fileId } = await createPublishedPackage(db, owner, "counted");
    await db.insert(dailyDownloads).values([
      { fileId, day: "2026-01-10", count: 4 },
      { fileId, day: today, count: 3 },
    ]);
    expect(await downloadDays(db, [packageId], "2026-01-01")).toEqual([
      { packageId, day: "2026-01-10", version: "1.0", platform: "noarch", count: 4 },
      { packageId, day: today, version: "1.0", platform: "noarch", count: 3 },
    ]);

    await rollUpDownloadsJob.run({}, { db, log: { info: () => {}, warn: () => {}, error: () => {} }, signal: new AbortController().signal } as never);
    // More downloads today after the roll-up, and an old day's file deleted since (its rolled-up total stays).
    await db.update(dailyDownloads).set({ count: 5 }).where(sql`${dailyDownloads.day} = ${today}::date`);
    await db.delete(dailyDownloads).where(sql`${dailyDownloads.day} = '2026-01-10'::date`);
    expect((await downloadDays(db, [packageId], "2026-01-01")).map((row) => [row.day, row.count])).toEqual([
      ["2026-01-10", 4],
      [today, 5],
    ]);
    expect(await db.select({ count: packageDownloadDays.count }).from(packageDownloadDays).where(eq(packageDownloadDays.day, today))).toEqual([{ count: 3 }]);
  });

  it("gives lists a 30-day trend ending today, and the package page a year by version and platform", async () => {
    const owner = await createUser(db, { username: "trender" });
    const { packageId, fileId } = await createPublishedPackage(db, owner, "trendy");
    const wheel = await addFile(packageId, owner.id, { filename: "trendy-2.0-cp311-cp311-win_amd64.whl", version: "2.0" });
    const twoDaysAgo = windowStart(3);
    await db.insert(dailyDownloads).values([
      { fileId, day: twoDaysAgo, count: 2 },
      { fileId: wheel, day: today, count: 7 },
      { fileId, day: windowStart(400), count: 100 },
    ]);
    const [listed] = (await callerFor(anonymous()).packages.listByOwner({ owner: "trender" })).items;
    expect(listed!.trend).toHaveLength(30);
    expect(listed!.trend.slice(-3)).toEqual([2, 0, 7]);
    expect(listed!.trend.reduce((total, value) => total + value, 0)).toBe(9);

    const history = await callerFor(anonymous()).packages.downloads({ owner: "trender", name: "trendy" });
    expect(history.since).toBe(windowStart(365));
    expect(history.rows).toEqual([
      { day: twoDaysAgo, version: "1.0", platform: "noarch", count: 2 },
      { day: today, version: "2.0", platform: "win_amd64", count: 7 },
    ]);
  });

  it("sums the dashboard's tiles over the account's own packages", async () => {
    const owner = await createUser(db);
    const fan = await createUser(db);
    const first = await createPublishedPackage(db, owner, "tile-one");
    await createPublishedPackage(db, owner, "tile-two");
    await db.insert(dailyDownloads).values({ fileId: first.fileId, day: today, count: 6 });
    await callerFor(fan.actor).packages.star({ owner: owner.username, name: "tile-one" });
    const summary = await callerFor(owner.actor).packages.dashboardSummary();
    expect(summary).toMatchObject({ packages: 2, stars: 1, favorites: 0, downloads: { days: 30, total: 6 } });
    expect(summary.downloads.daily.at(-1)).toBe(6);
  });
});

describe("search and owner listings", () => {
  it("filters by platform and label, orders by downloads or stars, and counts only what the reader may see", async () => {
    const owner = await createUser(db, { username: "filters" });
    const fan = await createUser(db);
    const conda = await createPublishedPackage(db, owner, "filter-conda");
    const python = await createPublishedPackage(db, owner, "filter-wheel");
    await db.delete(packageFiles).where(eq(packageFiles.packageId, python.packageId));
    const wheel = await addFile(python.packageId, owner.id, { filename: "filter_wheel-1.0-py3-none-any.whl" });
    await db.insert(fileLabels).values({ fileId: wheel, label: "dev" });
    await createPublishedPackage(db, owner, "filter-private", { isPrivate: true });
    await db.update(packageFiles).set({ downloadCount: 50 }).where(eq(packageFiles.id, wheel));
    await db.update(packageFiles).set({ downloadCount: 5 }).where(eq(packageFiles.id, conda.fileId));
    await callerFor(fan.actor).packages.star({ owner: "filters", name: "filter-conda" });

    const search = (input: Parameters<ReturnType<typeof callerFor>["packages"]["search"]>[0], actor = anonymous()) => callerFor(actor).packages.search(input);
    expect((await search({ query: "filter", platform: "noarch" })).items.map((item) => item.name)).toEqual(["filter-conda"]);
    expect((await search({ query: "filter", platform: "noarch" }, owner.actor)).total).toBe(2);
    expect((await search({ query: "filter", label: "dev" })).items.map((item) => item.name)).toEqual(["filter-wheel"]);
    expect((await search({ query: "filter", sort: "downloads" })).items.map((item) => item.name)).toEqual(["filter-wheel", "filter-conda"]);
    expect((await search({ query: "filter", sort: "stars" })).items.map((item) => item.name)).toEqual(["filter-conda", "filter-wheel"]);
    expect((await search({ query: "filter" })).total).toBe(2);

    const facets = await callerFor(anonymous()).packages.facets();
    expect(facets.platforms).toEqual(expect.arrayContaining([{ value: "noarch", packages: 1 }, { value: "any", packages: 1 }]));
    expect(facets.labels).toEqual([{ value: "main", packages: 2 }, { value: "dev", packages: 1 }]);

    const listing = await callerFor(anonymous()).packages.listByOwner({ owner: "filters", query: "wheel" });
    expect(listing.items.map((item) => item.name)).toEqual(["filter-wheel"]);
    // The owner's totals leave out the private package and its downloads.
    expect(listing.totals).toEqual({ packages: 2, downloads: 55 });
  });

  it("puts the exact name first, then names that start with the words", async () => {
    const owner = await createUser(db);
    await createPublishedPackage(db, owner, "zz-plot");
    await createPublishedPackage(db, owner, "plotter");
    await createPublishedPackage(db, owner, "plot");
    await db.update(packages).set({ summary: "plot things" }).where(eq(packages.name, "zz-plot"));
    const result = await callerFor(anonymous()).packages.search({ query: "plot" });
    expect(result.items.map((item) => item.name)).toEqual(["plot", "plotter", "zz-plot"]);
  });

  it("pages through names first and summaries after, newest first, across the boundary between them", async () => {
    const owner = await createUser(db);
    const minutesAgo = (minutes: number) => new Date(Date.UTC(2026, 0, 1) - minutes * 60_000);
    const add = (name: string, summary: string, minutes: number, isPrivate = false) =>
      db.insert(packages).values({ ownerId: owner.id, name, normalizedName: name, summary, isPrivate, updatedAt: minutesAgo(minutes) });
    await add("kestrel", "", 50);
    await add("kestrel-tools", "", 10);
    await add("old-kestrel", "", 5);
    for (let index = 1; index <= 6; index++) await add(`bird-${index}`, "a kestrel helper", index);
    await add("hidden-kestrel", "", 1, true);
    const page = async (number: number) => (await callerFor(anonymous()).packages.search({ query: "Kestrel", page: number, pageSize: 4 })).items.map((item) => item.name);
    expect(await page(1)).toEqual(["kestrel", "kestrel-tools", "old-kestrel", "bird-1"]);
    expect(await page(2)).toEqual(["bird-2", "bird-3", "bird-4", "bird-5"]);
    expect(await page(3)).toEqual(["bird-6"]);
    expect(await callerFor(anonymous()).packages.search({ query: "kestrel" })).toMatchObject({ total: 9, moreMatches: false });
    expect(await callerFor(owner.actor).packages.search({ query: "kestrel" })).toMatchObject({ total: 10, moreMatches: false });
  });

  it("finds old matches behind a thousand newer packages, and recent ones among them, in the same order and totals", async () => {
    const owner = await createUser(db);
    const year = (offsetMinutes: string) => sql`timestamptz '2025-01-01' + (${sql.raw(offsetMinutes)}) * interval '1 minute'`;
    // 1,200 newer packages: every tenth mentions "heron" in its summary; the 30 oldest ones hold "egret".
    await db.execute(sql`
      insert into packages (owner_id, name, normalized_name, summary, updated_at)
      select ${owner.id}::uuid, 'pkg-' || n, 'pkg-' || n, case when n % 10 = 0 then 'a Heron tool' else 'something else' end, ${year("100000 + n")}
      from generate_series(1, 1200) as n`);
    await db.execute(sql`
      insert into packages (owner_id, name, normalized_name, summary, updated_at)
      select ${owner.id}::uuid, 'old-' || n, 'old-' || n, 'an egret tool', ${year("n")} from generate_series(1, 30) as n`);
    await createPublishedPackage(db, owner, "egret-core");
    await db.update(packages).set({ updatedAt: new Date(Date.UTC(2024, 0, 1)) }).where(eq(packages.name, "egret-core"));
    const search = (query: string, page: number) => callerFor(anonymous()).packages.search({ query, page, pageSize: 20 });

    const egret = await search("egret", 1);
    expect(egret).toMatchObject({ total: 31, moreMatches: false });
    expect(egret.items.map((item) => item.name)).toEqual(["egret-core", ...Array.from({ length: 19 }, (_, index) => `old-${30 - index}`)]);
    expect((await search("egret", 2)).items.map((item) => item.name)).toEqual(Array.from({ length: 11 }, (_, index) => `old-${11 - index}`));

    const heron = await search("heron", 1);
    expect(heron).toMatchObject({ total: 120, moreMatches: false });
    expect(heron.items.map((item) => item.name)).toEqual(Array.from({ length: 20 }, (_, index) => `pkg-${1200 - index * 10}`));
    expect((await search("heron", 6)).items.map((item) => item.name)).toEqual(Array.from({ length: 20 }, (_, index) => `pkg-${200 - index * 10}`));
    // Case folds on both sides, the summary's as the words'.
    expect((await search("HERON", 1)).items).toEqual(heron.items);
  });

  it("counts a broad search up to its limit, and says there are more", async () => {
    const owner = await createUser(db);
    await db.execute(sql`
      insert into packages (owner_id, name, normalized_name, summary)
      select ${owner.id}::uuid, 'wide-' || n, 'wide-' || n, 'one of many' from generate_series(1, ${searchMatchLimit + 5}) as n`);
    const broad = await callerFor(anonymous()).packages.search({ query: "wide", pageSize: 10 });
    expect(broad).toMatchObject({ total: searchMatchLimit, moreMatches: true });
    expect(broad.items).toHaveLength(10);
    const narrow = await callerFor(anonymous()).packages.search({ query: "wide-1000" });
    expect(narrow).toMatchObject({ total: 1, moreMatches: false });
    expect(narrow.items.map((item) => item.name)).toEqual(["wide-1000"]);
    // Past the counted matches there is no page to show: the search asks for more words instead.
    expect((await callerFor(anonymous()).packages.search({ query: "wide", page: searchMatchLimit / 10 + 1, pageSize: 10 })).items).toEqual([]);
  });
});

describe("notebook previews", () => {
  it("keep cells, Markdown and outputs as text and raster images, and drop HTML, JavaScript and SVG", () => {
    const { cells, language } = notebookCells({
      metadata: { language_info: { name: "python" } },
      cells: [
        { cell_type: "markdown", source: ["# Title\n", "Text"] },
        {
          cell_type: "code",
          execution_count: 3,
          source: "print(1)",
          outputs: [
            { output_type: "stream", name: "stdout", text: ["1\n"] },
            { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>" } },
            { output_type: "display_data", data: { "text/html": "<script>alert(1)</script>", "application/javascript": "alert(1)", "text/plain": "<IPython.HTML>" } },
            { output_type: "display_data", data: { "image/svg+xml": "<svg onload='alert(1)'/>" } },
            { output_type: "error", ename: "ValueError", evalue: "bad", traceback: ["\u001b[31mValueError\u001b[0m: bad"] },
          ],
        },
      ],
    });
    expect(language).toBe("python");
    expect(cells[0]).toEqual({ kind: "markdown", source: "# Title\nText", executionCount: null, outputs: [] });
    expect(cells[1]!.outputs).toEqual([
      { kind: "text", text: "1\n", error: false },
      { kind: "image", mediaType: "image/png", dataUrl: "data:image/png;base64,iVBORw0KGgo=" },
      { kind: "text", text: "<IPython.HTML>", error: false },
      { kind: "text", text: "ValueError: bad", error: true },
    ]);
    expect(JSON.stringify(cells)).not.toMatch(/script|svg/);
  });

  it("reads the package's notebook from the file store, and says when its bytes cannot be read", async () => {
    const owner = await createUser(db, { username: "notes" });
    const store = new BlobStore(path.join(workspace, "store"));
    const notebook = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: "1+1", outputs: [] }] });
    const sha256 = "a".repeat(64);
    fs.mkdirSync(path.dirname(store.blobPath(sha256)), { recursive: true });
    fs.writeFileSync(store.blobPath(sha256), notebook);
    const [pkg] = await db.insert(packages).values({ ownerId: owner.id, name: "analysis", normalizedName: "analysis", latestVersion: "1" }).returning({ id: packages.id });
    await addFile(pkg!.id, owner.id, { fileType: "notebook", subdir: "notebooks", filename: "analysis.ipynb", version: "1", sha256, size: notebook.length });
    const preview = await getNotebookPreview(db, anonymous(), { owner: "notes", name: "analysis" }, store);
    expect(preview).toMatchObject({ status: "ready", filename: "analysis.ipynb", cells: [{ kind: "code", source: "1+1" }] });
    fs.rmSync(store.blobPath(sha256));
    expect(await getNotebookPreview(db, anonymous(), { owner: "notes", name: "analysis" }, store)).toMatchObject({ status: "unreadable" });
    expect(await getNotebookPreview(db, anonymous(), { owner: "notes", name: "analysis" }, store)).not.toBeNull();
  });
});
