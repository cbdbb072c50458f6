/**
 * The launcher's graceful stop of its HTTP server: no new connections, idle kept-alive ones closed, requests in
 * flight (uploads included) given until a deadline to finish, then cut off; either way it resolves only once
 * every request's handler has returned, so an upload cut short has removed its temporary file and rolled back
 * before the database goes away.
 */
import type http from "node:http";

export class InFlightRequests {
  private running = 0;
  private readonly listeners = new Set<() => void>();
  /** For a request answered at once, whose response's end is all there is to wait for: one function for all. */
  private readonly answeredOneFinished = () => this.finished();

  /**
   * Counts a request until its handler has settled (when it returned a promise: one answered at once has none) and
   * its response is closed (sent, or the connection gone). A counter and one listener: this runs on every request.
   */
  track(response: http.ServerResponse, handler?: Promise<unknown>): void {
    this.running += 1;
    if (!handler) {
      // A response closes once: `on` spares the wrapper `once` makes.
      response.on("close", this.answeredOneFinished);
      return;
    }
    let waitingFor = 2;
    const finishedOne = () => {
      waitingFor -= 1;
      if (waitingFor === 0) this.finished();
    };
    response.on("close", finishedOne);
    handler.then(finishedOne, finishedOne);
  }

  private finished(): void {
    this.running -= 1;
    for (const listener of this.listeners) listener();
  }

  get count(): number {
    return this.running;
  }

  /** Calls `listener` each time a request finishes. */
  onFinished(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves true once no request is running, or false when `timeoutMs` passes first. */
  settle(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        stopListening();
        resolve(false);
      }, timeoutMs);
      const stopListening = this.onFinished(() => {
        if (this.running > 0) return;
        clearTimeout(timer);
        stopListening();
        resolve(true);
      });
    });
  }
}

export interface StopServingOptions {
  deadlineMs: number;
  log(message: string): void;
}

/** How long cut-off requests get to clean up (remove temporary files, roll back) once their connections are closed. */
const cleanUpMs = 10_000;

export async function stopServing(server: http.Server, inFlight: InFlightRequests, options: StopServingOptions): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A kept-alive connection is closed as soon as its last request is answered.
  server.closeIdleConnections();
  const stopListening = inFlight.onFinished(() => server.closeIdleConnections());
  try {
    if (inFlight.count > 0) {
      options.log(`Waiting up to ${Math.round(options.deadlineMs / 1000)} s for ${inFlight.count} request(s) in flight to finish.`);
      if (!(await inFlight.settle(options.deadlineMs))) {
        options.log(`${inFlight.count} request(s) still running at the deadline (SHUTDOWN_TIMEOUT_SECONDS): cutting them off.`);
        server.closeAllConnections();
        await inFlight.settle(cleanUpMs);
      }
    }
  } finally {
    stopListening();
  }
  server.closeAllConnections();
  await closed;
}
