/**
 * Worker registration, shared by both drivers: every process that runs jobs has a row in job_workers and beats. The
 * beat also carries the restart flag an administrator sets, and each beat looks for workers that stopped beating:
 * one found is marked lost, once, by whichever worker sees it first, and its running runs are handed back (see
 * `recoverRunsOfLostWorkers`).
 */
import os from "node:os";
import { sql } from "drizzle-orm";
import type { Db } from "../db";
import { jobWorkers, type JobPriority } from "../db/schema";

/** Workers hear restart requests and cancellations here at once, not only at their next beat. */
export const workerControlChannel = "granary_job_control";

export interface WorkerIdentity {
  id: string;
  label: string;
}

export async function registerWorker(
  db: Db,
  worker: { id: string; queues: readonly JobPriority[]; concurrency: number; driver: "embedded" | "inngest" },
): Promise<WorkerIdentity> {
  const host = os.hostname();
  await db.insert(jobWorkers).values({ id: worker.id, host, pid: process.pid, queues: [...worker.queues], concurrency: worker.concurrency, driver: worker.driver });
  return { id: worker.id, label: `${host}:${process.pid}` };
}

export interface Beat {
  restartRequested: boolean;
  /** Another worker had given this one up for lost (it did not beat in time); its runs were retried elsewhere. */
  wasLost: boolean;
}

export async function beat(db: Db, workerId: string): Promise<Beat> {
  const [row] = await db.execute<{ restart_requested_at: Date | null; lost_at: Date | null }>(sql`
    update job_workers as worker set last_heartbeat_at = now(), lost_at = null
    from (select lost_at from job_workers where id = ${workerId}::uuid) as before
    where worker.id = ${workerId}::uuid
    returning worker.restart_requested_at, before.lost_at`);
  return { restartRequested: Boolean(row?.restart_requested_at), wasLost: Boolean(row?.lost_at) };
}

export async function markStopped(db: Db, workerId: string): Promise<void> {
  await db.execute(sql`update job_workers set stopped_at = now() where id = ${workerId}::uuid`);
}

/** Marks workers silent for longer than `lostAfterSeconds` as lost; each is returned to exactly one caller. */
export async function claimLostWorkers(db: Db, lostAfterSeconds: number): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`
    update job_workers set lost_at = now()
    where stopped_at is null and lost_at is null and last_heartbeat_at < now() - make_interval(secs => ${lostAfterSeconds})
    returning id`);
  return rows.map((row) => row.id);
}

/** The runs the mirror shows as running on these workers. */
export async function runningRunsOf(db: Db, workerIds: string[]): Promise<Array<{ id: string; jobName: string; attempts: number }>> {
  if (workerIds.length === 0) return [];
  const rows = await db.execute<{ id: string; job_name: string; attempts: number }>(sql`
    select id, job_name, attempts from job_runs
    where status = 'running' and worker_id in (${sql.join(workerIds.map((id) => sql`${id}::uuid`), sql`, `)})`);
  return rows.map((row) => ({ id: row.id, jobName: row.job_name, attempts: row.attempts }));
}

/** Tells every live worker to look at its row now (restart) or at a run (cancel). */
export async function notifyWorkers(db: Db, message: { kind: "restart" } | { kind: "cancel"; runId: string }): Promise<void> {
  await db.execute(sql`select pg_notify(${workerControlChannel}, ${JSON.stringify(message)})`);
}
