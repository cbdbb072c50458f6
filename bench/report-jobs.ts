/**
 * bench/report.ts's sections for the background-job work: the recovery forms' timing (bench/recovery.ts) and the
 * job layer against pg-boss alone (bench/jobs.ts). Each returns its summary rows, its section's lines and its
 * verdicts, or nothing when bench/run.sh did not run it (BENCH_SECTIONS).
 */
import fs from "node:fs";
import path from "node:path";

interface RecoveryForm {
  name: string;
  requests_per_kind: number;
  medians_ms: { existing: number; unknown: number; control: number };
  quartiles_ms: Record<"existing" | "unknown" | "control", [number, number]>;
  existing_minus_unknown_ms: number;
  existing_minus_unknown_interval_ms: [number, number];
  control_minus_unknown_ms: number;
  control_minus_unknown_interval_ms: [number, number];
  noise_ms: number;
  within_noise: boolean;
}

interface RecoveryResults {
  pause_ms: number;
  warm_up_rounds: number;
  password: RecoveryForm;
  username: RecoveryForm;
}

interface Latency {
  jobs: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

interface Throughput {
  jobs: number;
  workers: number;
  seconds: number;
  jobs_per_second: number;
  /** CPU the worker processes and PostgreSQL's processes used per job. */
  worker_cpu_ms_per_job: number;
  database_cpu_ms_per_job: number;
}

const cpuPerJob = (figure: Throughput) => figure.worker_cpu_ms_per_job + figure.database_cpu_ms_per_job;

type JobsResults = {
  concurrency: number;
  poll_seconds: number;
  latency_jobs: number;
  backlog_jobs: number;
  rounds: number;
  latency_raw: Latency;
  latency_granary: Latency;
} & Record<string, unknown>;

export interface ReportSection {
  summaryRows: string[][];
  lines: string[];
  verdicts: Record<string, boolean>;
}

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
const signed = (value: number, digits = 2) => `${value >= 0 ? "+" : "−"}${format(Math.abs(value), digits)}`;
const interval = ([low, high]: [number, number]) => `${signed(low)} to ${signed(high)}`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
};

function table(lines: string[], header: string[], rows: string[][]) {
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`), "");
}

function readJson<T>(directory: string, name: string): T | null {
  const file = path.join(directory, `${name}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : null;
}

export function recoverySection(directory: string): ReportSection | null {
  const results = readJson<RecoveryResults>(directory, "recovery");
  if (!results) return null;
  const forms = [results.password, results.username];
  const lines: string[] = [
    "## Forgot password and forgot username: existing against unknown accounts",
    "",
    "`POST /api/trpc/account.requestPasswordReset` and `POST /api/trpc/account.remindUsername` (what the forms send), " +
      "for the seeded account (`bench`), for an unknown name of the same length, and for a second unknown one: the " +
      "control, which does the same work as the first, so its difference is what the measurement cannot resolve. " +
      `${format(results.password.requests_per_kind)} requests of each kind per form (after ${results.warm_up_rounds} rounds of ` +
      "warm-up), one at a time on one kept-alive connection, the three kinds interleaved in all six orders in turn, " +
      `with ${results.pause_ms} ms between requests so that the mail an existing account's request queues is delivered ` +
      "by the server's worker before the next request is timed. Times are from sending to the last byte of the answer. " +
      "Intervals are 95% bootstrap intervals of the difference of medians; the noise is the control's interval's " +
      "largest magnitude, and the target is an existing account's difference within it.",
    "",
  ];
  table(
    lines,
    ["Form", "existing ms (median, quartiles)", "unknown ms", "control ms", "existing − unknown ms (95%)", "control − unknown ms (95%)", "Result"],
    forms.map((form) => [
      form.name,
      `${format(form.medians_ms.existing, 2)} (${format(form.quartiles_ms.existing[0], 2)}–${format(form.quartiles_ms.existing[1], 2)})`,
      `${format(form.medians_ms.unknown, 2)} (${format(form.quartiles_ms.unknown[0], 2)}–${format(form.quartiles_ms.unknown[1], 2)})`,
      `${format(form.medians_ms.control, 2)} (${format(form.quartiles_ms.control[0], 2)}–${format(form.quartiles_ms.control[1], 2)})`,
      `**${signed(form.existing_minus_unknown_ms)}** (${interval(form.existing_minus_unknown_interval_ms)})`,
      `${signed(form.control_minus_unknown_ms)} (${interval(form.control_minus_unknown_interval_ms)})`,
      verdict(form.within_noise),
    ]),
  );
  return {
    summaryRows: forms.map((form) => [
      `${form.name} (tRPC, one connection, interleaved): median time for an existing account against an unknown one`,
      `${format(form.medians_ms.existing, 2)} ms`,
      `${format(form.medians_ms.unknown, 2)} ms unknown`,
      `${signed(form.existing_minus_unknown_ms)} ms (control ${signed(form.control_minus_unknown_ms)}, noise ±${format(form.noise_ms, 2)})`,
      "within the noise",
      verdict(form.within_noise),
    ]),
    lines,
    verdicts: { forgotPasswordTiming: results.password.within_noise, forgotUsernameTiming: results.username.within_noise },
  };
}

export function jobsSection(directory: string): ReportSection | null {
  const results = readJson<JobsResults>(directory, "jobs");
  if (!results) return null;
  const roundsOf = (workers: number) =>
    Array.from({ length: results.rounds }, (_, index) => ({
      round: index + 1,
      raw: results[`throughput_raw_${workers}_${index + 1}`] as Throughput,
      granary: results[`throughput_granary_${workers}_${index + 1}`] as Throughput,
    }));
  const summaries = [1, 2].map((workers) => {
    const rounds = roundsOf(workers);
    const ratios = rounds.map((round) => round.granary.jobs_per_second / round.raw.jobs_per_second);
    // Capacity: jobs per CPU-second, Granary's over pg-boss's (pg-boss's CPU per job over Granary's).
    const cpuRatios = rounds.map((round) => cpuPerJob(round.raw) / cpuPerJob(round.granary));
    return {
      workers,
      rounds,
      raw: median(rounds.map((round) => round.raw.jobs_per_second)),
      granary: median(rounds.map((round) => round.granary.jobs_per_second)),
      ratio: median(ratios),
      ratios,
      rawCpu: median(rounds.map((round) => cpuPerJob(round.raw))),
      granaryCpu: median(rounds.map((round) => cpuPerJob(round.granary))),
      cpuRatio: median(cpuRatios),
      cpuRatios,
    };
  });
  const lines: string[] = [
    "## Background jobs: Granary's job layer against pg-boss alone",
    "",
    "bench/jobs.ts on the benchmark's database. Granary's side is its embedded worker (src/server/jobs/embedded) " +
      "serving a no-op job: every run mirrored in the jobs table (start and finish), log lines, heartbeats, wake-up " +
      "notifications. pg-boss alone runs the same loop on pg-boss's own calls (fetch a batch, run it, complete it), " +
      `with the same queue options, batch size (= concurrency, ${results.concurrency}) and poll interval ` +
      `(${results.poll_seconds} s). Each worker is a process of its own, as \`npm run worker\` is. Times come from ` +
      "pg-boss's own columns (created_on, started_on, completed_on) for both sides.",
    "",
    `Enqueue to start: ${results.latency_jobs} jobs queued one at a time, 25 ms apart, with one worker waiting. ` +
      "pg-boss alone finds a job at its next poll; Granary's worker is woken by the notification its enqueue sends.",
    "",
  ];
  table(
    lines,
    ["Side", "p50 ms", "p90 ms", "p99 ms", "max ms"],
    [
      ["pg-boss alone", results.latency_raw, "raw"],
      ["Granary", results.latency_granary, "granary"],
    ].map(([name, latency]) => {
      const figures = latency as Latency;
      return [name as string, format(figures.p50_ms, 1), format(figures.p90_ms, 1), format(figures.p99_ms, 1), format(figures.max_ms, 1)];
    }),
  );
  lines.push(
    `Throughput: a backlog of ${format(results.backlog_jobs)} no-op jobs, then one or two worker processes drain it; jobs ` +
      `per second from the first start to the last completion. ${results.rounds} rounds per worker count, both sides ` +
      "back to back in each round, the order alternating; ratios are the medians of the rounds' ratios. Beside the " +
      "wall-clock rate, the CPU each job cost (the worker processes' and PostgreSQL's, from /proc): on this shared " +
      "machine other work moves the wall-clock rates by a factor of two and more between runs seconds apart, while the " +
      "CPU a job costs stays put, and with busy cores it is what bounds throughput. The target (Granary keeps at least " +
      "0.8 of pg-boss's throughput) is judged on capacity, jobs per CPU-second; the wall-clock ratio is shown too.",
    "",
  );
  table(
    lines,
    ["Workers", "Round", "pg-boss alone jobs/s", "Granary jobs/s", "wall-clock ratio", "pg-boss CPU ms/job (workers + db)", "Granary CPU ms/job (workers + db)", "capacity ratio"],
    summaries.flatMap((summary) =>
      summary.rounds.map((round, index) => [
        String(summary.workers),
        String(round.round),
        format(round.raw.jobs_per_second),
        format(round.granary.jobs_per_second),
        format(summary.ratios[index]!, 2),
        `${format(cpuPerJob(round.raw), 3)} (${format(round.raw.worker_cpu_ms_per_job, 3)} + ${format(round.raw.database_cpu_ms_per_job, 3)})`,
        `${format(cpuPerJob(round.granary), 3)} (${format(round.granary.worker_cpu_ms_per_job, 3)} + ${format(round.granary.database_cpu_ms_per_job, 3)})`,
        `**${format(summary.cpuRatios[index]!, 2)}**`,
      ]),
    ),
  );
  const verdicts = Object.fromEntries(summaries.map((summary) => [`jobsThroughput${summary.workers}Workers`, summary.cpuRatio >= 0.8]));
  return {
    summaryRows: [
      [
        "job enqueue to start, one worker: p50 / p99",
        `${format(results.latency_granary.p50_ms, 1)} / ${format(results.latency_granary.p99_ms, 1)} ms`,
        `${format(results.latency_raw.p50_ms, 1)} / ${format(results.latency_raw.p99_ms, 1)} ms pg-boss alone`,
        "—",
        "reported",
        "—",
      ],
      ...summaries.map((summary) => [
        `no-op job throughput, ${summary.workers} worker process${summary.workers === 1 ? "" : "es"}: capacity (jobs per CPU-second of workers and database)`,
        `${format(summary.granaryCpu, 3)} CPU ms/job (${format(summary.granary)} jobs/s)`,
        `${format(summary.rawCpu, 3)} CPU ms/job (${format(summary.raw)} jobs/s) pg-boss alone`,
        `${format(summary.cpuRatio, 2)} (wall clock ${format(summary.ratio, 2)})`,
        "≥ 0.80",
        verdict(summary.cpuRatio >= 0.8),
      ]),
    ],
    lines,
    verdicts,
  };
}

interface LighthousePage {
  page: string;
  path: string;
  performance: number;
  accessibility: number;
  best_practices: number;
  runs: number;
  failing_audits: string[];
}

/** Lighthouse (mobile) on the home, package and dashboard pages (bench/lighthouse.ts): issue 13's targets. */
export function lighthouseSection(directory: string): ReportSection | null {
  const results = readJson<{ chromium: string; pages: LighthousePage[] }>(directory, "lighthouse");
  if (!results) return null;
  const targets = { performance: 90, accessibility: 95, best_practices: 95 } as const;
  const summaryRows: string[][] = [];
  const verdicts: Record<string, boolean> = {};
  for (const page of results.pages) {
    for (const [category, target] of Object.entries(targets) as [keyof typeof targets, number][]) {
      const pass = page[category] >= target;
      verdicts[`lighthouse_${page.page}_${category}`] = pass;
      summaryRows.push([`Lighthouse ${category.replace("_", " ")}, ${page.page} page (mobile)`, format(page[category]), "—", "—", `≥ ${target}`, verdict(pass)]);
    }
  }
  const lines: string[] = [
    "## Lighthouse (mobile)",
    "",
    `Lighthouse's default mobile emulation in ${results.chromium}, each page scored ${results.pages[0]?.runs ?? 0} times (the median kept); ` +
      "the dashboard signed in as the seeded owner, the package page the first package on the owner's page.",
    "",
  ];
  table(
    lines,
    ["Page", "Path", "Performance", "Accessibility", "Best practices", "Audits below 0.9"],
    results.pages.map((page) => [
      page.page,
      `\`${page.path}\``,
      format(page.performance),
      format(page.accessibility),
      format(page.best_practices),
      page.failing_audits.join(", ") || "none",
    ]),
  );
  return { summaryRows, lines, verdicts };
}
