/**
 * The Inngest driver: every definition becomes an Inngest function (its event, and its cron as a second trigger),
 * served at /api/inngest. `enqueue` writes the run to the jobs table in the caller's transaction; the dispatcher sends
 * the event once that commits (it hears of it through a notification, and sweeps for any it missed), so a request
 * never waits on the Inngest server and an event is never sent for a change that was rolled back. Each invocation
 * records its attempt in the same table as the embedded driver does.
 */
import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { Inngest, NonRetriableError, RetryAfterError } from "inngest";
import { serve } from "inngest/next";
import postgres from "postgres";
import { env } from "@/env";
import type { Db } from "../db";
import { maxAttemptsOf, retryDelaySeconds, scheduleStarter, type AnyJobDefinition, type JobDependencies } from "./definition";
import { dispatchChannel } from "./enqueue";
import { runAttempt, type JobEnvelope } from "./execute";
import { finishOf, writeFinishes, writeLogs, writeProgress, writeStarts } from "./mirror";
import type { LogLine } from "./execute";
import { jobDefinitions } from "./registry";

export const inngestAppId = "granary";

export function eventNameOf(definition: Pick<AnyJobDefinition, "id">): string {
  return `granary/job.${definition.id}`;
}

export const cancelEventName = "granary/job.cancelled";

const priorityBoost = { high: 600, default: 0, low: -600, "user-tasks": 0 } as const;

export function createInngestClient(): Inngest {
  const dev = env.INNGEST_DEV;
  return new Inngest({
    id: inngestAppId,
    eventKey: env.INNGEST_EVENT_KEY,
    signingKey: env.INNGEST_SIGNING_KEY,
    signingKeyFallback: env.INNGEST_SIGNING_KEY_FALLBACK,
    isDev: Boolean(dev && dev !== "0" && dev !== "false"),
    baseUrl: env.INNGEST_BASE_URL ?? (dev && /^https?:\/\//.test(dev) ? dev : undefined),
    // Bodies take no steps: nothing to checkpoint, and no call back to the server during an attempt.
    checkpointing: false,
  });
}

/** A run started by Inngest's cron has no row yet: its id is derived from Inngest's run id, stable across retries. */
function runIdFromInngest(inngestRunId: string): string {
  const hex = createHash("sha256").update(`granary:${inngestRunId}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface InngestFunctionOptions {
  db: Db;
  dependencies: () => JobDependencies;
  /** The serving process's row in job_workers. */
  worker: () => { id: string | null; label: string };
}

export function inngestFunctions(client: Inngest, definitions: readonly AnyJobDefinition[], options: InngestFunctionOptions) {
  return definitions.map((definition) =>
    client.createFunction(
      {
        id: definition.id,
        name: definition.description,
        triggers: [{ event: eventNameOf(definition) }, ...(definition.schedule ? [{ cron: `TZ=UTC ${definition.schedule.cron}` }] : [])],
        retries: Math.min(20, definition.retries.limit) as 0,
        timeouts: { finish: `${definition.timeoutSeconds}s` },
        priority: { run: String(priorityBoost[definition.priority]) },
        ...(definition.concurrencyKey ? { concurrency: { key: "event.data.concurrencyKey", limit: 1 } } : {}),
        cancelOn: [{ event: cancelEventName, if: "async.data.runId == event.data.runId" }],
      },
      async ({ event, runId: inngestRunId, attempt: zeroBasedAttempt }) => {
        const scheduled = !event.name?.startsWith("granary/");
        const envelope: JobEnvelope = scheduled ? { input: {}, startedBy: scheduleStarter } : (event.data as JobEnvelope);
        const runId = envelope.runId ?? runIdFromInngest(inngestRunId);
        const attempt = (envelope.priorAttempts ?? 0) + zeroBasedAttempt + 1;
        const worker = options.worker();
        const started = await writeStarts(options.db, [
          {
            start: {
              runId,
              attempt,
              definition,
              envelope,
              queuedAt: new Date(typeof event.ts === "number" ? event.ts : Date.now()),
              startedAt: new Date(),
              workerId: worker.id,
              workerLabel: worker.label,
              driver: "inngest",
              externalId: inngestRunId,
            },
          },
        ]);
        if (!started.has(runId)) return { skipped: "The run was cancelled or finished already." };
        const lines: LogLine[] = [];
        let progress: { runId: string; percent: number; message: string | null } | undefined;
        const outcome = await runAttempt(definition, envelope, {
          runId,
          number: attempt,
          dependencies: options.dependencies(),
          observer: { log: (line) => lines.push(line), progress: (id, percent, message) => (progress = { runId: id, percent, message }) },
        });
        await writeLogs(options.db, lines);
        if (progress && !outcome.ok) await writeProgress(options.db, [progress]);
        const delay = retryDelaySeconds(definition.retries, zeroBasedAttempt + 1);
        const finish = finishOf(outcome, new Date(Date.now() + delay * 1000));
        const written = (await writeFinishes(options.db, [{ runId, queue: definition.id, driver: "inngest", attempt, finish }])).get(runId);
        if (outcome.ok) return outcome.result;
        if (!outcome.retriable || written?.status === "failed" || attempt >= (envelope.priorAttempts ?? 0) + maxAttemptsOf(definition)) {
          throw new NonRetriableError(outcome.error);
        }
        throw new RetryAfterError(outcome.error, `${Math.max(1, delay)}s`);
      },
    ),
  );
}

/**
 * Sends the events of runs waiting in the jobs table. Several servers may run one: each run is claimed with SKIP
 * LOCKED, and marked dispatched only once Inngest accepted it.
 */
export class InngestDispatcher {
  private listener: postgres.Sql | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly databaseUrl: string,
    private readonly db: Db,
    private readonly client: Inngest,
    private readonly log: (message: string) => void,
    private readonly sweepMs = 5_000,
  ) {}

  async start(): Promise<void> {
    this.listener = postgres(this.databaseUrl, { max: 1, onnotice: () => {} });
    await this.listener.listen(dispatchChannel, () => this.kick());
    this.timer = setInterval(() => this.kick(), this.sweepMs);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    this.running = this.running
      .then(async () => {
        await this.dispatch();
      })
      .catch((error: unknown) => this.log(`sending job events to Inngest failed: ${String(error)}`));
  }

  /** Sends what waits; resolves when done (tests call it directly). */
  async dispatch(): Promise<number> {
    let sent = 0;
    for (;;) {
      const count = await this.db.transaction(async (tx) => {
        const rows = await tx.execute<{ id: string; job_name: string; payload: JobEnvelope; attempts: number }>(sql`
          select id, job_name, payload, attempts from job_runs
          where driver = 'inngest' and dispatched_at is null and status = 'queued'
            and (next_attempt_at is null or next_attempt_at <= now())
          order by queued_at limit 100 for update skip locked`);
        if (rows.length === 0) return 0;
        await this.client.send(
          rows.map((row) => ({
            // Inngest drops an event whose id it has seen: a resend after a crash is harmless; a retry is a new event.
            id: `${row.id}:${row.attempts}`,
            name: `granary/job.${row.job_name}`,
            data: { ...row.payload, runId: row.id },
          })),
        );
        await tx.execute(sql`update job_runs set dispatched_at = now() where id in (${sql.join(rows.map((row) => sql`${row.id}::uuid`), sql`, `)})`);
        return rows.length;
      });
      sent += count;
      if (count < 100) return sent;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.listener?.end({ timeout: 5 }).catch(() => {});
  }
}

/** The /api/inngest handlers (GET introspection, PUT sync, POST invocation) over the given definitions. */
export function createInngestHandler(
  options: InngestFunctionOptions & { client?: Inngest; definitions?: readonly AnyJobDefinition[] },
): { GET: NextHandler; POST: NextHandler; PUT: NextHandler } {
  const client = options.client ?? createInngestClient();
  const handler = serve({ client, functions: inngestFunctions(client, options.definitions ?? jobDefinitions, options), servePath: "/api/inngest" });
  return { GET: handler.GET, POST: handler.POST, PUT: handler.PUT };
}

type NextHandler = ReturnType<typeof serve>["GET"];
