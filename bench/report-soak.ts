/**
 * bench/report.ts's section for the soak and fault benchmark (issue 17; bench/run.sh's soak section, bench/soak.ts):
 * errors by status, told apart by whether they came during the PostgreSQL restart; p50/p99 per kind of request; the
 * launcher's memory at the start and the end. Nothing when the section did not run.
 */
import fs from "node:fs";
import path from "node:path";
import type { ReportSection } from "./report-jobs";

interface KindRun {
  kind: string;
  title: string;
  connections: number;
  wrk: {
    requests: number;
    duration_us: number;
    errors: Record<string, number>;
    latency_us: { p50: number; p90: number; p99: number; max: number };
    statuses: Record<string, number>;
    failures_by_second: Record<string, number>;
  };
}

interface SoakRun {
  duration_seconds: number;
  warm_up_seconds: number;
  outage_seconds: number;
  recovery_seconds: number;
  connections: number;
  started_at: number;
  ended_at: number;
  restart: { stop_requested_at: number; stopped_at: number; started_at: number; ready_at: number };
  rss_kb: { start: number; end: number; settled: number; max: number };
  kinds: KindRun[];
}

/** Memory may grow by less than this share from the start of the soak to its end. */
const maxGrowth = 0.1;

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
const milliseconds = (microseconds: number) => format(microseconds / 1000, 1);
const megabytes = (kilobytes: number) => format(kilobytes / 1024, 1);

export function soakSection(directory: string): ReportSection | null {
  const file = path.join(directory, "soak.json");
  if (!fs.existsSync(file)) return null;
  const run = JSON.parse(fs.readFileSync(file, "utf8")) as SoakRun;
  // wrk stamps answers with whole seconds: the window starts the second before the stop and ends the recovery
  // allowance after PostgreSQL accepted connections again.
  const windowStart = Math.floor(run.restart.stop_requested_at / 1000) - 1;
  const windowEnd = Math.ceil(run.restart.ready_at / 1000) + run.recovery_seconds;
  const relative = (second: number) => second - Math.floor(run.restart.stop_requested_at / 1000);

  const kinds = run.kinds.map((kind) => {
    let duringRestart = 0;
    let unexpected = 0;
    const unexpectedByStatus: Record<string, number> = {};
    let lastFailure: number | null = null;
    for (const [key, count] of Object.entries(kind.wrk.failures_by_second)) {
      const [status, secondText] = key.split("@");
      const second = Number(secondText);
      lastFailure = Math.max(lastFailure ?? second, second);
      if (status === "503" && second >= windowStart && second <= windowEnd) duringRestart += count;
      else {
        unexpected += count;
        unexpectedByStatus[status!] = (unexpectedByStatus[status!] ?? 0) + count;
      }
    }
    const socketErrors = Object.entries(kind.wrk.errors).filter(([name]) => name !== "status").reduce((sum, [, count]) => sum + count, 0);
    return { ...kind, duringRestart, unexpected, unexpectedByStatus, socketErrors, lastFailure };
  });
  // Every kind's failures, second by second from the stop: when they began and when service came back.
  const timeline = new Map<number, Record<string, number>>();
  for (const kind of run.kinds) {
    for (const [key, count] of Object.entries(kind.wrk.failures_by_second)) {
      const [status, secondText] = key.split("@");
      const entry = timeline.get(relative(Number(secondText))) ?? {};
      entry[status!] = (entry[status!] ?? 0) + count;
      timeline.set(relative(Number(secondText)), entry);
    }
  }
  const timelineText = [...timeline.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, counts]) => `${second >= 0 ? "+" : "−"}${Math.abs(second)} s: ${Object.entries(counts).map(([status, count]) => `${format(count)}× ${status}`).join(", ")}`)
    .join("; ");
  const unexpected = kinds.reduce((sum, kind) => sum + kind.unexpected + kind.socketErrors, 0);
  const restartErrors = kinds.reduce((sum, kind) => sum + kind.duringRestart, 0);
  const lastFailure = Math.max(...kinds.map((kind) => kind.lastFailure ?? Number.NEGATIVE_INFINITY));
  const errorsPass = unexpected === 0;
  const growth = run.rss_kb.end / run.rss_kb.start - 1;
  const memoryPass = growth < maxGrowth;
  const down = (run.restart.ready_at - run.restart.stopped_at) / 1000;
  const statuses = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status}: ${format(count)}`)
      .join(", ") || "none";

  const lines = [
    "## Soak with a PostgreSQL restart (issue 17)",
    "",
    `bench/soak.ts: ${format(run.duration_seconds / 60, 1)} minutes of mixed load at ${run.connections} connections (one wrk process per kind, all at once, ` +
      `after ${run.warm_up_seconds} s of warm-up), with PostgreSQL stopped (fast shutdown) halfway and started again after ${run.outage_seconds} s: it accepted ` +
      `connections again ${format(down, 1)} s after it stopped. Errors count as the restart's when they are 503s from the second before the stop to ` +
      `${run.recovery_seconds} s after PostgreSQL was back; any other status, any 503 outside that window and any socket error count against the target.`,
    "",
    "| Kind | connections | requests | p50 ms | p99 ms | statuses | 503s during the restart | other errors | socket errors |",
    "|---|---|---|---|---|---|---|---|---|",
    ...kinds.map(
      (kind) =>
        `| ${kind.title} | ${kind.connections} | ${format(kind.wrk.requests)} | ${milliseconds(kind.wrk.latency_us.p50)} | ${milliseconds(kind.wrk.latency_us.p99)} | ` +
        `${statuses(kind.wrk.statuses)} | ${format(kind.duringRestart)} | ${kind.unexpected ? statuses(kind.unexpectedByStatus) : "0"} | ${format(kind.socketErrors)} |`,
    ),
    "",
    Number.isFinite(lastFailure)
      ? `The last error came ${format(relative(lastFailure))} s after the stop was requested (PostgreSQL was back after ${format((run.restart.ready_at - run.restart.stop_requested_at) / 1000, 1)} s).`
      : "No request failed, not even during the restart.",
    "",
    ...(timelineText ? [`Failed answers by second, counted from the second the stop was requested: ${timelineText}.`, ""] : []),
    `The launcher's RSS: ${megabytes(run.rss_kb.start)} MiB at the start of the soak, ${megabytes(run.rss_kb.end)} MiB at its end ` +
      `(${growth >= 0 ? "+" : "−"}${format(Math.abs(growth) * 100, 1)} %; ${megabytes(run.rss_kb.settled)} MiB 5 s later), at most ${megabytes(run.rss_kb.max)} MiB.`,
    "",
  ];
  return {
    summaryRows: [
      ["Soak: errors outside the restart's 503s", `${format(unexpected)} (${format(restartErrors)} 503s during the restart)`, "", "", "0", verdict(errorsPass)],
      ["Soak: launcher RSS, end against start", `${growth >= 0 ? "+" : "−"}${format(Math.abs(growth) * 100, 1)} %`, "", "", `< ${maxGrowth * 100} %`, verdict(memoryPass)],
    ],
    lines,
    verdicts: { soak_errors_only_503_during_restart: errorsPass, soak_memory_growth_under_10_percent: memoryPass },
  };
}
