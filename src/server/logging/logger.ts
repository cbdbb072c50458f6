/**
 * Granary's structured log: each record (level, category, message, context, request id, time) is written to stdout
 * as one JSON line for operators and stored in `system_logs` for the admin panel's System logs. The launcher, the
 * worker, the jobs and the API's error path log through here. Logging never throws and never waits on a client:
 * a record the database refuses is still on stdout, and a note of the refusal goes to stderr.
 */
import type { Db } from "../db";
import { isDatabaseUnreachable } from "../db/errors";
import { systemLogs, type SystemLogCategory, type SystemLogLevel } from "../db/schema";
import { redactText, redactValue } from "./redact";

export interface LogRecord {
  level: SystemLogLevel;
  category: SystemLogCategory;
  message: string;
  context?: Record<string, unknown>;
  requestId?: string | null;
}

export interface LoggerOptions {
  /** Where JSON lines go (stdout by default). */
  write?: (line: string) => void;
}

const maxMessage = 4000;

function prepare(record: LogRecord, loggedAt: Date) {
  return {
    level: record.level,
    category: record.category,
    message: redactText(record.message).slice(0, maxMessage),
    context: record.context ? (redactValue(record.context) as Record<string, unknown>) : null,
    requestId: record.requestId?.slice(0, 200) ?? null,
    loggedAt,
  };
}

export class SystemLogger {
  private db: Db | null = null;
  /**
   * Records logged before a database was attached (the launcher starts PostgreSQL first), or while it could not be
   * reached (the embedded one restarting): stored, in order, with the next record that can be.
   */
  private pending: ReturnType<typeof prepare>[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly write: (line: string) => void;

  constructor(options: LoggerOptions & { db?: Db } = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.db = options.db ?? null;
  }

  /** From now on records are stored too; those logged before are stored at once. */
  async attach(db: Db): Promise<void> {
    this.db = db;
    const pending = this.pending.splice(0);
    if (pending.length) await this.store(pending);
  }

  async log(record: LogRecord): Promise<void> {
    const prepared = prepare(record, new Date());
    try {
      this.write(JSON.stringify({ time: prepared.loggedAt.toISOString(), ...prepared, loggedAt: undefined }));
    } catch {
      // stdout closed: the database copy is still made.
    }
    if (!this.db) {
      if (this.pending.length < 1000) this.pending.push(prepared);
      return;
    }
    await this.store([prepared]);
  }

  info(category: SystemLogCategory, message: string, context?: Record<string, unknown>) {
    return this.log({ level: "info", category, message, context });
  }

  warn(category: SystemLogCategory, message: string, context?: Record<string, unknown>) {
    return this.log({ level: "warn", category, message, context });
  }

  error(category: SystemLogCategory, message: string, context?: Record<string, unknown>) {
    return this.log({ level: "error", category, message, context });
  }

  private async store(records: ReturnType<typeof prepare>[]): Promise<void> {
    const batch = [...this.pending.splice(0), ...records];
    if (batch.length === 0) return;
    try {
      await this.db!.insert(systemLogs).values(batch);
    } catch (error) {
      if (isDatabaseUnreachable(error)) {
        this.pending = [...batch, ...this.pending].slice(-1000);
        // Records logged while this insert waited may all have been stored: these are tried again by themselves.
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = null;
          void this.store([]);
        }, 2000).unref();
        return;
      }
      console.error("Could not store a log record:", error instanceof Error ? error.message : error);
    }
  }
}

/** One record, for code that has a database but no logger of its own (the API's error path, the jobs). */
export function logTo(db: Db, record: LogRecord, options: LoggerOptions = {}): Promise<void> {
  return new SystemLogger({ ...options, db }).log(record);
}

/** The error and its stack, redacted, as a record's context. */
export function errorContext(error: unknown): Record<string, unknown> {
  const asError = error instanceof Error ? error : new Error(String(error));
  return { error: asError.name, stack: asError.stack?.slice(0, 8000) };
}
