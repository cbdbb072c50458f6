/** The periodic jobs' bodies, run directly on the real database, and each safe to run twice. */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createAccessToken, createAccountLink, createPublishedPackage, createTestOrganization, createUser, sentEmails } from "@/test/factories";
import type { Db } from "../../db/client";
import { accountTokens, systemLogs, dailyDownloads, packageDownloadDays, packageFiles, signInFailures, siteStatistics } from "../../db/schema";
import { createOutboxTransport } from "../../email/transports";
import { BlobStore } from "../../storage";
import type { JobContext } from "../definition";
import { createFailedRun } from "@/test/jobs";
import { enqueue } from "../enqueue";
import { purgeExpiredRecordsJob } from "./purge-expired-records";
import { purgeFinishedJobRunsJob } from "./purge-finished-job-runs";
import { purgeSystemLogsJob } from "./purge-system-logs";
import { removeUnreferencedBlobsJob } from "./remove-unreferenced-blobs";
import { rollUpDownloadsJob } from "./roll-up-downloads";
import { statisticsSnapshotJob } from "./statistics-snapshot";
import { tokenExpiryNoticesJob } from "./token-expiry-notices";

const db = setUpTestDatabase();
const day = 24 * 60 * 60 * 1000;

function contextFor(database: Db): JobContext & { lines: string[] } {
  const lines: string[] = [];
  const write = (message: string) => void lines.push(message);
  return {
    db: database,
    mailer: createOutboxTransport(),
    blobs: new BlobStore("/tmp/granary-test-blobs"),
    log: { debug: write, info: write, warn: write, error: write },
    progress: () => {},
    runId: randomUUID(),
    attempt: 1,
    signal: new AbortController().signal,
    lines,
  };
}

async function tokenExpiringIn(user: Parameters<typeof createAccessToken>[1], name: string, expiresInMs: number, lifetimeDays = 365) {
  const token = await createAccessToken(db, user, { name, lifetimeDays });
  const expiresAt = new Date(Date.now() + expiresInMs);
  await db.execute(sql`update access_tokens set expires_at = ${expiresAt.toISOString()}::timestamptz,
    created_at = ${new Date(expiresAt.getTime() - lifetimeDays * day).toISOString()}::timestamptz where id = ${token.id}::uuid`);
  return token;
}

describe("token expiry notices", () => {
  it("tells owners once at 14 days and once at 1 day before a token expires, and no more however often it runs", async () => {
    const ada = await createUser(db, { username: "ada" });
    await tokenExpiringIn(ada, "ten-days", 10 * day);
    await tokenExpiringIn(ada, "half-a-day", 12 * 60 * 60 * 1000);
    await tokenExpiringIn(ada, "next-month", 30 * day);
    // Made for ten days, seven ago: it was created inside the 14-day window, so it gets no 14-day notice.
    await tokenExpiringIn(ada, "short-lived", 3 * day, 10);
    const revoked = await tokenExpiringIn(ada, "revoked", 5 * day);
    await db.execute(sql`update access_tokens set revoked_at = now() where id = ${revoked.id}::uuid`);

    await expect(tokenExpiryNoticesJob.run({}, contextFor(db))).resolves.toEqual({ sent: 2 });
    await expect(tokenExpiryNoticesJob.run({}, contextFor(db))).resolves.toEqual({ sent: 0 });
    const mails = await sentEmails(db, { to: ada.email });
    expect(mails.map((mail) => mail.subject).sort()).toEqual([
      "Your Granary access token half-a-day expires tomorrow",
      "Your Granary access token ten-days expires in 10 days",
    ]);
    expect(mails[0]!.text).toContain("http://granary.test/ada/settings/access");

    // Nine days later the ten-day token is on its last day: its second notice.
    await db.execute(sql`update access_tokens set expires_at = now() + interval '20 hours' where name = 'ten-days'`);
    await expect(tokenExpiryNoticesJob.run({}, contextFor(db))).resolves.toEqual({ sent: 1 });
    const notices = await db.execute<{ name: string; notice: string }>(sql`
      select token.name, notice.notice from access_token_expiry_notices notice join access_tokens token on token.id = notice.token_id order by 1, 2`);
    expect(notices).toEqual([
      { name: "half-a-day", notice: "1_day" },
      { name: "ten-days", notice: "14_days" },
      { name: "ten-days", notice: "1_day" },
    ]);
  });
});

describe("purging expired records", () => {
  it("deletes used and expired links a day on, sign-in failures outside the window and long-stopped workers", async () => {
    const ada = await createUser(db);
    await createAccountLink(db, ada, { purpose: "password_reset" });
    await createAccountLink(db, ada, { purpose: "password_reset" });
    await createAccountLink(db, ada, { purpose: "email_change", newEmail: "new@example.test" });
    const links = await db.select({ id: accountTokens.id }).from(accountTokens);
    await db.execute(sql`update account_tokens set expires_at = now() - interval '2 days' where id = ${links[0]!.id}::uuid`);
    await db.execute(sql`update account_tokens set used_at = now() - interval '3 days' where id = ${links[1]!.id}::uuid`);
    await db.insert(signInFailures).values([
      { loginKey: "login:old", ipAddress: "203.0.113.1", createdAt: new Date(Date.now() - 2 * day) },
      { loginKey: "login:recent", ipAddress: "203.0.113.1" },
    ]);
    await db.execute(sql`insert into job_workers (host, pid, queues, concurrency, driver, stopped_at)
      values ('old', 1, '{low}', 1, 'embedded', now() - interval '8 days'), ('recent', 2, '{low}', 1, 'embedded', now() - interval '1 hour')`);

    await expect(purgeExpiredRecordsJob.run({}, contextFor(db))).resolves.toEqual({ accountLinks: 2, signInFailures: 1, workers: 1 });
    await expect(purgeExpiredRecordsJob.run({}, contextFor(db))).resolves.toEqual({ accountLinks: 0, signInFailures: 0, workers: 0 });
    expect(await db.select({ purpose: accountTokens.purpose }).from(accountTokens)).toEqual([{ purpose: "email_change" }]);
    expect(await db.select({ loginKey: signInFailures.loginKey }).from(signInFailures)).toEqual([{ loginKey: "login:recent" }]);
  });
});

describe("rolling up downloads", () => {
  it("totals each package's downloads per day, version and platform, the same however often it runs", async () => {
    const owner = await createUser(db);
    const conda = await createPublishedPackage(db, owner, "rolling");
    const [wheel] = await db
      .insert(packageFiles)
      .values({
        packageId: conda.packageId,
        ownerId: owner.id,
        fileType: "wheel",
        subdir: "pypi",
        filename: "rolling-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        version: "1.0",
        size: 10,
        sha256: "1".repeat(64),
        md5: "1".repeat(32),
      })
      .returning({ id: packageFiles.id });
    const [sdist] = await db
      .insert(packageFiles)
      .values({ packageId: conda.packageId, ownerId: owner.id, fileType: "sdist", subdir: "pypi", filename: "rolling-2.0.tar.gz", version: "2.0", size: 10, sha256: "2".repeat(64), md5: "2".repeat(32) })
      .returning({ id: packageFiles.id });
    await db.insert(dailyDownloads).values([
      { fileId: conda.fileId, day: "2026-11-30", count: 3 },
      { fileId: conda.fileId, day: "2026-12-01", count: 2 },
      { fileId: wheel!.id, day: "2026-12-01", count: 5 },
      { fileId: sdist!.id, day: "2026-12-01", count: 1 },
    ]);

    await rollUpDownloadsJob.run({}, contextFor(db));
    await rollUpDownloadsJob.run({}, contextFor(db));
    const totals = () =>
      db
        .select({ day: packageDownloadDays.day, version: packageDownloadDays.version, platform: packageDownloadDays.platform, count: packageDownloadDays.count })
        .from(packageDownloadDays)
        .orderBy(packageDownloadDays.day, packageDownloadDays.platform);
    expect(await totals()).toEqual([
      { day: "2026-11-30", version: "1.0", platform: "noarch", count: 3 },
      { day: "2026-12-01", version: "1.0", platform: "manylinux_2_17_x86_64", count: 5 },
      { day: "2026-12-01", version: "1.0", platform: "noarch", count: 2 },
      { day: "2026-12-01", version: "2.0", platform: "source", count: 1 },
    ]);

    // More downloads of the wheel, and the sdist deleted: its day keeps the download it had.
    await db.execute(sql`update daily_downloads set count = 9 where file_id = ${wheel!.id}::uuid`);
    await db.delete(packageFiles).where(sql`${packageFiles.id} = ${sdist!.id}::uuid`);
    await expect(rollUpDownloadsJob.run({}, contextFor(db))).resolves.toMatchObject({ since: "2026-11-30" });
    expect((await totals()).map((row) => row.count)).toEqual([3, 9, 2, 1]);
  });
});

describe("the statistics snapshot", () => {
  it("records the day's totals once per day, counting stored bytes once per distinct content", async () => {
    const owner = await createUser(db);
    await createUser(db);
    // An organization is an owner row too: counted as an organization, not as a user.
    await createTestOrganization(db, owner, "snapshot-org");
    const first = await createPublishedPackage(db, owner, "first");
    await createPublishedPackage(db, owner, "second"); // the factory's files share one sha256: stored once
    await db.execute(sql`update package_files set download_count = 4 where id = ${first.fileId}::uuid`);
    await db.insert(dailyDownloads).values({ fileId: first.fileId, day: new Date().toISOString().slice(0, 10), count: 4 });

    await statisticsSnapshotJob.run({}, contextFor(db));
    await statisticsSnapshotJob.run({}, contextFor(db));
    const rows = await db.select().from(siteStatistics);
    expect(rows).toEqual([
      expect.objectContaining({ day: new Date().toISOString().slice(0, 10), users: 2, organizations: 1, packages: 2, files: 2, bytesStored: 1, downloads: 4, downloadsOnDay: 4 }),
    ]);
  });
});

describe("removing unreferenced stored files", () => {
  it("removes old bytes no file refers to, keeps referenced ones, and reports its progress and result", async () => {
    const store = new BlobStore(fs.mkdtempSync(path.join(os.tmpdir(), "granary-sweep-job-")));
    const stored = async (text: string) => {
      const blob = await store.receive(Readable.from([Buffer.from(text)]), 1024);
      await store.commit(blob);
      return blob.sha256;
    };
    const orphan = await stored("bytes nothing refers to");
    const kept = await stored("bytes a file refers to");
    const owner = await createUser(db, { username: "ada" });
    const published = await createPublishedPackage(db, owner, "tools");
    await db.update(packageFiles).set({ sha256: kept }).where(sql`${packageFiles.id} = ${published.fileId}::uuid`);
    const threeHoursAgo = new Date(Date.now() - 3 * 60 * 60 * 1000);
    for (const sha256 of [orphan, kept]) fs.utimesSync(store.blobPath(sha256), threeHoursAgo, threeHoursAgo);

    const reported: number[] = [];
    const context = { ...contextFor(db), blobs: store, progress: (percent: number) => void reported.push(percent) };
    await expect(removeUnreferencedBlobsJob.run({}, context)).resolves.toEqual({ blobs: 1, temporaryFiles: 0 });
    expect(await store.stat(orphan)).toBeNull();
    expect(await store.stat(kept)).not.toBeNull();
    expect(reported[0]).toBe(0);
    expect(reported.at(-1)).toBe(100);
    expect(context.lines.join("\n")).toContain("Removed 1 unreferenced stored file(s)");
    await expect(removeUnreferencedBlobsJob.run({}, context)).resolves.toEqual({ blobs: 0, temporaryFiles: 0 });
  });
});

describe("retention of finished job runs", () => {
  it("deletes succeeded runs after 30 days and failed ones after 90, with their log lines, and nothing newer or unfinished", async () => {
    const ageRun = async (id: string, days: number) =>
      db.execute(sql`update job_runs set queued_at = now() - make_interval(days => ${days}), finished_at = now() - make_interval(days => ${days}) where id = ${id}::uuid`);
    const succeeded = async (days: number) => {
      const { runId } = await enqueue(db, purgeExpiredRecordsJob, {});
      await db.execute(sql`update job_runs set status = 'succeeded' where id = ${runId}::uuid`);
      await ageRun(runId, days);
      return runId;
    };
    const oldSucceeded = await succeeded(31);
    const recentSucceeded = await succeeded(29);
    const oldFailed = await createFailedRun(db);
    await ageRun(oldFailed, 91);
    const agingFailed = await createFailedRun(db);
    await ageRun(agingFailed, 60);
    const { runId: oldQueued } = await enqueue(db, purgeExpiredRecordsJob, {});
    await db.execute(sql`update job_runs set queued_at = now() - interval '100 days' where id = ${oldQueued}::uuid`);
    await db.execute(sql`insert into job_run_logs (run_id, attempt, level, message) values (${oldSucceeded}::uuid, 1, 'info', 'old line')`);

    await expect(purgeFinishedJobRunsJob.run({}, contextFor(db))).resolves.toEqual({ succeeded: 1, failed: 1 });
    const left = await db.execute<{ id: string }>(sql`select id from job_runs`);
    expect(left.map((row) => row.id).sort()).toEqual([recentSucceeded, agingFailed, oldQueued].sort());
    const [lines] = await db.execute<{ count: number }>(sql`select count(*)::int as count from job_run_logs where run_id = ${oldSucceeded}::uuid`);
    expect(lines?.count).toBe(0);
    await expect(purgeFinishedJobRunsJob.run({}, contextFor(db))).resolves.toEqual({ succeeded: 0, failed: 0 });
  });
});

describe("retention of the System logs", () => {
  it("deletes records older than 30 days and keeps the rest", async () => {
    const at = (days: number) => new Date(Date.now() - days * day);
    await db.insert(systemLogs).values([
      { level: "info", category: "startup_info", message: "old", loggedAt: at(31) },
      { level: "error", category: "api_errors", message: "old error", loggedAt: at(45) },
      { level: "info", category: "startup_info", message: "recent", loggedAt: at(29) },
    ]);
    await expect(purgeSystemLogsJob.run({}, contextFor(db))).resolves.toEqual({ deleted: 2 });
    expect((await db.select().from(systemLogs)).map((row) => row.message)).toEqual(["recent"]);
    await expect(purgeSystemLogsJob.run({}, contextFor(db))).resolves.toEqual({ deleted: 0 });
  });
});
