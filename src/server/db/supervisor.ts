/**
 * The launcher's embedded PostgreSQL, watched: when the postmaster exits without being asked (a crash, or SIGKILL
 * from the out-of-memory killer) it is started again on the same port and data folder, so every pool's URL stays
 * right and postgres.js reconnects by itself. A start that fails (the old server's backends still hold its shared
 * memory for a moment, say) is tried again after a doubling delay, and so is a restarted server that exits again
 * within a minute (a crash loop); after `restartAttempts` such failures in a row the supervisor gives up, and the
 * launcher exits non-zero so a service manager restarts the whole of Granary.
 */
import { startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedServer } from "./embedded";

export type SupervisorReport = (level: "info" | "warn" | "error", message: string) => void;

export interface SupervisorOptions extends Omit<EmbeddedOptions, "port" | "log"> {
  /** Failed starts in a row before giving up. */
  restartAttempts: number;
  /** Delay before the first restart; it doubles after each failed one (capped at 30 s). */
  initialBackoffMs?: number;
  report: SupervisorReport;
  /** PostgreSQL exited unasked: requests should be answered 503 until `onRestarted`. */
  onExit(reason: string): void;
  onRestarted(): void;
  /** Restarting failed `restartAttempts` times; PostgreSQL is not running. */
  onGiveUp(message: string): void;
}

const maximumBackoffMs = 30_000;
/** A restarted server that runs this long has recovered: its next exit starts the count afresh. */
const stableAfterMs = 60_000;

function describeExit({ code, signal }: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (signal) return `killed by ${signal}`;
  return `exited with code ${code ?? "unknown"}`;
}

export class PostgresSupervisor {
  private server: EmbeddedServer;
  private stopping = false;
  private restarting: Promise<void> | null = null;
  /** Failed starts, and restarted servers that exited again soon, since the server last ran stably. */
  private failures = 0;
  private restartedAt: number | null = null;

  private constructor(
    private readonly options: SupervisorOptions,
    server: EmbeddedServer,
  ) {
    this.server = server;
    this.watch(server);
  }

  static async start(options: SupervisorOptions): Promise<PostgresSupervisor> {
    const server = await startEmbeddedPostgres({ ...options, log: (message) => options.report("info", message) });
    return new PostgresSupervisor(options, server);
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  /**
   * From now on an exit is expected: Ctrl-C in a terminal (and a process manager signalling the process group)
   * reaches PostgreSQL as well as the launcher, and it must not be started again while Granary stops.
   */
  stopRestarting(): void {
    this.stopping = true;
  }

  /** Stops watching, then stops PostgreSQL (waiting for a restart under way to finish first). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.restarting?.catch(() => {});
    await this.server.stop();
  }

  private watch(server: EmbeddedServer): void {
    void server.exited.then((exit) => {
      if (this.stopping || server !== this.server) return;
      this.options.report("error", `The embedded PostgreSQL (port ${server.port}) ${describeExit(exit)}; starting it again.`);
      this.options.onExit(`the embedded PostgreSQL ${describeExit(exit)}`);
      if (this.restartedAt !== null && Date.now() - this.restartedAt < stableAfterMs) this.failures += 1;
      else this.failures = 0;
      this.restarting = this.restart().finally(() => {
        this.restarting = null;
      });
    });
  }

  private async restart(): Promise<void> {
    let lastError = "it exited again soon after each restart";
    while (this.failures < this.options.restartAttempts) {
      const attempt = this.failures + 1;
      const delay = Math.min((this.options.initialBackoffMs ?? 500) * 2 ** this.failures, maximumBackoffMs);
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.stopping) return;
      try {
        const server = await startEmbeddedPostgres({ ...this.options, port: this.server.port, log: (message) => this.options.report("info", message) });
        if (this.stopping) {
          await server.stop();
          return;
        }
        this.server = server;
        this.restartedAt = Date.now();
        this.watch(server);
        this.options.report("info", `The embedded PostgreSQL is running again on port ${server.port} (attempt ${attempt}).`);
        this.options.onRestarted();
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        this.options.report("warn", `Restarting the embedded PostgreSQL failed (attempt ${attempt} of ${this.options.restartAttempts}): ${lastError}`);
        this.failures += 1;
      }
    }
    const message =
      `The embedded PostgreSQL could not be started again after ${this.options.restartAttempts} attempts; Granary is stopping. ` +
      `Last error: ${lastError}`;
    this.options.report("error", message);
    this.options.onGiveUp(message);
  }
}
