import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { defineJob } from "../definition";

/**
 * A test job that writes each attempt's number to a file in `folder` and, on its first attempt, then waits (for the
 * process to be killed); later attempts finish at once. Used by the SIGKILL test's worker processes.
 */
export const holdJob = defineJob({
  id: "test-hold",
  description: "Holds its first attempt until the worker is killed",
  input: z.object({ folder: z.string() }),
  priority: "default",
  retries: { limit: 2, delaySeconds: 1, backoff: false },
  timeoutSeconds: 120,
  async run(input, { attempt, signal, log }) {
    fs.appendFileSync(path.join(input.folder, "attempts"), `${attempt} ${process.pid}\n`);
    log.info(`attempt ${attempt} in process ${process.pid}`);
    if (attempt === 1) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    return { attempt, pid: process.pid };
  },
});
