/**
 * A worker process for tests: what `npm run worker` starts (startJobRuntime's embedded worker), on the database in
 * DATABASE_URL, serving Granary's jobs and the test-hold job, with a fast heartbeat so a killed one is found quickly.
 * Prints "ready <worker id>" once it serves.
 */
import { env } from "@/env";
import { connectDatabase } from "../../db/client";
import { createOutboxTransport } from "../../email/transports";
import { BlobStore } from "../../storage";
import type { AnyJobDefinition } from "../definition";
import { EmbeddedWorker } from "../embedded/worker";
import { jobDefinitions } from "../registry";
import { holdJob } from "./hold-job";

const databaseUrl = env.DATABASE_URL!;
const { db } = connectDatabase(databaseUrl, { max: 4 });
const worker = new EmbeddedWorker({
  databaseUrl,
  db,
  definitions: [...jobDefinitions, holdJob as unknown as AnyJobDefinition],
  queues: ["high", "default", "low"],
  concurrency: 2,
  pollIntervalMs: 500,
  heartbeatMs: 300,
  lostAfterMs: 1500,
  dependencies: { db, mailer: createOutboxTransport(), blobs: new BlobStore("/tmp/granary-test-blobs") },
  log: (message) => console.error(`[test worker] ${message}`),
});
void worker.start().then(() => console.log(`ready ${worker.id}`));
process.once("SIGTERM", () => void worker.stop().then(() => process.exit(0)));
