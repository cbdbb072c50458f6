/**
 * `granary worker`: the one command that runs on the server side. It does not talk to a server over HTTP like the
 * others: it starts scripts/worker.ts (what `npm run worker` runs), which connects to the database the way the
 * launcher does, and passes its exit code on.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export function worker(): Promise<number> {
  const script = path.join(__dirname, "..", "..", "scripts", "worker.ts");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("tsx/cli"), script], { stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
