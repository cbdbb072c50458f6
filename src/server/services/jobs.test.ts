/** The Task Queue's services: counts per queue, runs paged by keyset, retrying a queue's failures, and the audit. */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { setUpTestDatabase } from "@/test/db";
import { createSiteAdmin, createUser, recordedAuditActions } from "@/test/factories";
import { createFailedRun, drainJobs } from "@/test/jobs";
import { AppError } from "../errors";
import { purgeExpiredRecordsJob } from "../jobs/definitions/purge-expired-records";
import { enqueue } from "../jobs/enqueue";
import { sendEmail } from "../email";
import * as jobs from "./jobs";

const db = setUpTestDatabase();

describe("queue counts", () => {
  it("counts the backlog, running and failed runs of each queue", async () => {
    const admin = await createSiteAdmin(db);
    await enqueue(db, purgeExpiredRecordsJob, {});
    await createFailedRun(db);
    await createFailedRun(db);
    const running = await enqueue(db, purgeExpiredRecordsJob, {});
    await db.execute(sql`update job_runs set status = 'running' where id = ${running.runId}::uuid`);
    await sendEmail(db, { to: "ada@example.test", template: "emailChanged", props: { username: "ada", newEmail: "a@b.example" } });
    expect(await jobs.getQueueCounts(db, admin.actor)).toEqual({
      queues: [
        { queue: "high", backlog: 1, running: 0, failed: 0 },
        { queue: "default", backlog: 0, running: 0, failed: 0 },
        { queue: "low", backlog: 1, running: 1, failed: 2 },
        { queue: "user-tasks", backlog: 0, running: 0, failed: 0 },
      ],
    });
  });
});

describe("listing a queue's runs", () => {
  it("pages newest first by keyset, and filters by status", async () => {
    const admin = await createSiteAdmin(db);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const { runId } = await enqueue(db, purgeExpiredRecordsJob, {});
      await db.execute(sql`update job_runs set queued_at = now() - make_interval(mins => ${10 - index}) where id = ${runId}::uuid`);
      ids.push(runId);
    }
    const first = await jobs.listRuns(db, admin.actor, { queue: "low", limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([ids[4], ids[3]]);
    const second = await jobs.listRuns(db, admin.actor, { queue: "low", limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    const third = await jobs.listRuns(db, admin.actor, { queue: "low", limit: 2, cursor: second.nextCursor! });
    expect(third).toEqual({ items: [expect.objectContaining({ id: ids[0], status: "queued", jobName: "purge-expired-records", startedBy: { kind: "system", userId: null, label: "system" } })], nextCursor: null });

    await db.execute(sql`update job_runs set status = 'failed' where id = ${ids[1]!}::uuid`);
    expect((await jobs.listRuns(db, admin.actor, { queue: "low", statuses: ["failed"] })).items.map((item) => item.id)).toEqual([ids[1]]);
    expect((await jobs.listRuns(db, admin.actor, { queue: "high" })).items).toEqual([]);
  });

  it("answers a damaged cursor with a field error", async () => {
    const admin = await createSiteAdmin(db);
    const error = await jobs.listRuns(db, admin.actor, { queue: "low", cursor: "bm90IGEgY3Vyc29y" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "BAD_REQUEST", fieldErrors: { cursor: "This page of runs no longer exists: start from the first page." } });
  });

  it("is for administrators only", async () => {
    const user = await createUser(db);
    await expect(jobs.listRuns(db, user.actor, { queue: "low" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("actions", () => {
  it("retries every failed run of a queue, and audits each action", async () => {
    const admin = await createSiteAdmin(db);
    const failed = [await createFailedRun(db), await createFailedRun(db)];
    await expect(jobs.retryFailedRuns(db, admin.actor, { queue: "low" })).resolves.toEqual({ retried: 2 });
    const listed = await jobs.listRuns(db, admin.actor, { queue: "low" });
    expect(listed.items.map((item) => [item.id, item.status]).sort()).toEqual(failed.map((id) => [id, "queued"]).sort());
    await drainJobs();
    expect((await jobs.listRuns(db, admin.actor, { queue: "low", statuses: ["succeeded"] })).items).toHaveLength(2);

    const queued = await enqueue(db, purgeExpiredRecordsJob, {});
    await jobs.cancelRun(db, admin.actor, { id: queued.runId });
    await expect(jobs.cancelRun(db, admin.actor, { id: queued.runId })).rejects.toThrow("Only queued, waiting or running runs can be cancelled; this one is cancelled.");
    await jobs.runPeriodicTask(db, admin.actor, { name: "roll-up-downloads" });
    await jobs.restartWorkers(db, admin.actor);
    expect(await recordedAuditActions(db)).toEqual(["admin.jobs_retried", "admin.job_cancelled", "admin.periodic_task_started", "admin.workers_restart_requested"]);
  });
});
