/**
 * Admin → Hash Warnings over deterministic rows: package files of each kind and task results whose hashes repeat in
 * known ways, so the counts, the shares, the warnings against the threshold and the most repeated hashes with their
 * holders are known exactly.
 */
import { describe, expect, it } from "vitest";
import { callerFor, failureOf } from "@/test/caller";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, type TestUser } from "@/test/factories";
import type { Db } from "../db";
import { applicationInstalls, applications, packageFiles, packages, taskRunObjects, taskRuns } from "../db/schema";

const db = setUpTestDatabase();
const hash = (character: string) => character.repeat(64);

async function packageWithFiles(database: Db, owner: TestUser, name: string, files: { filename: string; fileType: "conda" | "wheel" | "sdist"; sha256: string }[]) {
  const [row] = await database.insert(packages).values({ ownerId: owner.id, name, normalizedName: name }).returning();
  await database.insert(packageFiles).values(
    files.map((file) => ({
      packageId: row!.id,
      ownerId: owner.id,
      fileType: file.fileType,
      subdir: file.fileType === "conda" ? "noarch" : "pypi",
      filename: file.filename,
      version: "1.0",
      size: 1,
      sha256: file.sha256,
      md5: "0".repeat(32),
    })),
  );
}

async function taskResults(database: Db, user: TestUser, task: string, digests: string[]) {
  const [application] = await database
    .insert(applications)
    .values({ name: `app-${task}`, sourceKind: "package", indexOwner: user.username, packageName: "app", packageVersion: "1.0", state: "installed" })
    .returning();
  const [install] = await database.insert(applicationInstalls).values({ applicationId: application!.id, status: "succeeded", environmentPath: "/nonexistent" }).returning();
  const runIds: string[] = [];
  for (const sha256 of digests) {
    const [run] = await database
      .insert(taskRuns)
      .values({ userId: user.id, applicationId: application!.id, installId: install!.id, environmentPath: "/nonexistent", taskName: task, entryPoint: "app:task", input: {}, status: "succeeded", timeoutSeconds: 60, memoryLimitMebibytes: 256 })
      .returning();
    await database.insert(taskRunObjects).values({ runId: run!.id, kind: "result", name: "result.json", sha256, size: 2 });
    runIds.push(run!.id);
  }
  return runIds;
}

describe("hash warnings", () => {
  it("counts objects and different hashes per type, warns below the threshold, and names what holds the most repeated hashes", async () => {
    const admin = await createSiteAdmin(db);
    const alice = await createUser(db, { username: "alice" });
    // Wheels: 4 files, 2 different hashes (50 %): a warning at 80 %. `a` is held three times.
    await packageWithFiles(db, alice, "one", [
      { filename: "one-1.0-py3-none-any.whl", fileType: "wheel", sha256: hash("a") },
      { filename: "one-1.1-py3-none-any.whl", fileType: "wheel", sha256: hash("a") },
    ]);
    await packageWithFiles(db, alice, "two", [
      { filename: "two-1.0-py3-none-any.whl", fileType: "wheel", sha256: hash("a") },
      { filename: "two-1.1-py3-none-any.whl", fileType: "wheel", sha256: hash("b") },
      // Conda: .conda and .tar.bz2 apart, each all different (100 %).
      { filename: "two-1.0-0.conda", fileType: "conda", sha256: hash("c") },
      { filename: "two-1.0-0.tar.bz2", fileType: "conda", sha256: hash("d") },
      { filename: "two-1.1-0.tar.bz2", fileType: "conda", sha256: hash("e") },
    ]);
    // A task whose 5 results have 4 different hashes (80 %): at the threshold, not below it.
    const runs = await taskResults(db, alice, "steady", [hash("1"), hash("2"), hash("3"), hash("4"), hash("4")]);

    const api = callerFor(admin.actor).hashWarnings;
    const { thresholdPercent, types } = await api.list();
    expect(thresholdPercent).toBe(80);
    expect(types.map((type) => [type.key.replace(/:[0-9a-f-]{36}:/, ":<app>:"), type.objects, type.distinctHashes, type.share, type.warning])).toEqual([
      ["package:conda-conda", 1, 1, 1, false],
      ["package:conda-tar.bz2", 2, 2, 1, false],
      ["package:wheel", 4, 2, 0.5, true],
      ["task:<app>:steady:result", 5, 4, 0.8, false],
    ]);
    const wheels = types.find((type) => type.key === "package:wheel")!;
    expect(wheels.repeated).toEqual([
      {
        sha256: hash("a"),
        count: 3,
        holders: [
          { label: "alice/one: one-1.0-py3-none-any.whl", href: "/alice/one" },
          { label: "alice/one: one-1.1-py3-none-any.whl", href: "/alice/one" },
          { label: "alice/two: two-1.0-py3-none-any.whl", href: "/alice/two" },
        ],
      },
    ]);
    const steady = types.find((type) => type.key.endsWith(":steady:result"))!;
    expect(steady.label).toBe("app-steady · steady: results");
    expect(steady.repeated).toHaveLength(1);
    expect(steady.repeated[0]!.sha256).toBe(hash("4"));
    expect(steady.repeated[0]!.holders.map((holder) => holder.href).sort()).toEqual([`/tools/applications/runs/${runs[3]}`, `/tools/applications/runs/${runs[4]}`].sort());

    // The threshold is a site setting: at 90 %, the task's 80 % is flagged too; at 50 %, the wheels' 50 % no longer.
    const general = await callerFor(admin.actor).siteAdmin.generalSettings();
    await callerFor(admin.actor).siteAdmin.updateGeneralSettings({ siteUrl: general.siteUrl, staticUrl: general.staticUrl, defaultPackageAccess: general.defaultPackageAccess, hashWarningPercent: 90 });
    expect((await api.list()).types.filter((type) => type.warning).map((type) => type.key.replace(/:[0-9a-f-]{36}:/, ":<app>:"))).toEqual(["package:wheel", "task:<app>:steady:result"]);
    await callerFor(admin.actor).siteAdmin.updateGeneralSettings({ siteUrl: general.siteUrl, staticUrl: general.staticUrl, defaultPackageAccess: general.defaultPackageAccess, hashWarningPercent: 50 });
    expect((await api.list()).types.filter((type) => type.warning)).toEqual([]);
    const refused = await failureOf(
      callerFor(admin.actor).siteAdmin.updateGeneralSettings({ siteUrl: "", staticUrl: "", defaultPackageAccess: "public", hashWarningPercent: 101 }),
    );
    expect(refused.fieldErrors).toMatchObject({ hashWarningPercent: "Enter a percentage from 0 to 100." });

    expect((await failureOf(callerFor(alice.actor).hashWarnings.list())).code).toBe("FORBIDDEN");
  });

  it("shows nothing when nothing is stored", async () => {
    const admin = await createSiteAdmin(db);
    expect(await callerFor(admin.actor).hashWarnings.list()).toEqual({ thresholdPercent: 80, types: [] });
  });
});
