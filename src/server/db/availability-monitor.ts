/**
 * The launcher's side of the database's availability (availability.ts): a probe on a connection of its own, and
 * the two records an outage leaves in the System logs, one when it starts and one when it ends.
 */
import postgres from "postgres";
import type { SystemLogger } from "../logging/logger";
import { databaseAvailability } from "./availability";
import { reconnectDelaySeconds } from "./client";

export function monitorDatabaseAvailability(databaseUrl: string, systemLog: SystemLogger): { close(): Promise<void> } {
  // One connection, opened for each probe: it must not wait in a pool's queue behind requests, nor behind postgres.js's
  // default reconnection delay, which grows to 20 s over an outage's failed probes (client.ts).
  const probeClient = postgres(databaseUrl, { max: 1, idle_timeout: 1, connect_timeout: 5, onnotice: () => {}, backoff: reconnectDelaySeconds });
  const availability = databaseAvailability();
  let downSince = 0;
  availability.configure({
    probe: async () => {
      await probeClient`select 1`;
    },
    onChange({ available, reason }) {
      if (!available) {
        downSince = Date.now();
        void systemLog.error("api_errors", `The database is unreachable (${reason}): requests are answered 503 until it is back.`, { process: "launcher" });
      } else {
        const seconds = Math.round((Date.now() - downSince) / 100) / 10;
        void systemLog.info("api_errors", `The database is reachable again after ${seconds} s (${reason}).`, { process: "launcher" });
      }
    },
  });
  return {
    async close() {
      availability.configure(null);
      await probeClient.end({ timeout: 1 });
    },
  };
}
