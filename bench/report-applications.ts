/**
 * The applications section of the report (issue 15), from bench/applications.ts's applications.json: the test
 * application's install time, a task's start latency (enqueue to its first log line) and 50 tasks queued at once on
 * two workers. There is no reference to compare with: the figures are reported as measured.
 */
import fs from "node:fs";
import path from "node:path";
import type { ReportSection } from "./report-jobs";

interface ApplicationsResults {
  installSeconds: number;
  startLatencyMs: { runs: number; p50: number; p95: number; max: number };
  burst: {
    tasks: number;
    workers: number;
    concurrencyPerWorker: number;
    failed: number;
    totalSeconds: number;
    queuedToFinishedMs: { p50: number; p95: number };
    startedToFinishedMs: { p50: number; p95: number };
  };
  cores: number;
  loadAverage: number[];
}

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function applicationsSection(directory: string): ReportSection | null {
  const file = path.join(directory, "applications.json");
  if (!fs.existsSync(file)) return null;
  const results = JSON.parse(fs.readFileSync(file, "utf8")) as ApplicationsResults;
  const { burst } = results;
  const lines = [
    "## Applications: install, task start latency, a burst of tasks",
    "",
    "bench/applications.ts on the running Granary: the test application (src/test/applications.ts, with its work tasks) " +
      "and its dependency published with twine, then installed by the server's own worker (a fresh `python3 -m venv` filled " +
      "by real pip from Granary's index); tasks run by worker processes serving only the user-tasks queue, each task in a " +
      `subprocess of the application's environment. Load average at the end: ${results.loadAverage.map((value) => format(value, 2)).join(", ")} on ${results.cores} cores.`,
    "",
    "| Measurement | Value |",
    "|---|---|",
    `| Install time (queued to installed) | ${format(results.installSeconds, 1)} s |`,
    `| Task start latency, enqueue to first log line (${results.startLatencyMs.runs} runs, one at a time) | p50 ${format(results.startLatencyMs.p50)} ms, p95 ${format(results.startLatencyMs.p95)} ms, max ${format(results.startLatencyMs.max)} ms |`,
    `| ${burst.tasks} tasks queued at once, ${burst.workers} workers × ${burst.concurrencyPerWorker}: total | ${format(burst.totalSeconds, 1)} s${burst.failed ? ` (${burst.failed} failed)` : ""} |`,
    `| … per task, queued to finished | p50 ${format(burst.queuedToFinishedMs.p50)} ms, p95 ${format(burst.queuedToFinishedMs.p95)} ms |`,
    `| … per task, started to finished | p50 ${format(burst.startedToFinishedMs.p50)} ms, p95 ${format(burst.startedToFinishedMs.p95)} ms |`,
    "",
  ];
  return {
    summaryRows: [
      ["Application install time", `${format(results.installSeconds, 1)} s`, "—", "—", "—", "measured"],
      ["Task start latency p50 (enqueue to first log line)", `${format(results.startLatencyMs.p50)} ms`, "—", "—", "—", "measured"],
      [`${burst.tasks} tasks at once on ${burst.workers} workers`, `${format(burst.totalSeconds, 1)} s`, "—", "—", "no failures", burst.failed === 0 ? "**PASS**" : "**FAIL**"],
    ],
    lines,
    verdicts: { applications_burst: burst.failed === 0 },
  };
}
