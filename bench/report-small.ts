/**
 * bench/report.ts's section for issue 16's first half (bench/run.sh's small section): a small channel's indexes,
 * their 304s and HEADs on Granary, on a bare node:http server sending the bytes and headers Granary sent
 * (bench/bare-node.ts) and on nginx sending them too, side by side in the same rounds. The target: Granary at least
 * 0.7 of the bare server, by the median of the rounds' ratios. Nothing when the section did not run.
 */
import fs from "node:fs";
import path from "node:path";
import type { ReportSection } from "./report-jobs";

interface WrkRun {
  name: string;
  machine_busy_percent_before: number;
  cpu: { total_ticks: number; server_ticks: number; wrk_ticks: number; others_ticks: number };
  wrk: { requests: number; duration_us: number; errors: Record<string, number>; latency_us: { p50: number; p99: number } };
}

interface SmallRun {
  owner: string;
  project: string;
  records: number;
  repodata_gzip_bytes: number;
  channeldata_gzip_bytes: number;
  simple_gzip_bytes: number;
  connections: number;
  rounds: number;
  seconds: number;
  kinds: string;
  sides: string;
}

/** Granary / bare node:http, the target. */
export const smallTarget = 0.7;

const kindTitles: Record<string, string> = {
  repodata: "small repodata.json (gzip)",
  repodata_304: "its 304 (If-None-Match)",
  repodata_head: "its HEAD (ab)",
  channeldata: "channeldata.json (gzip)",
  simple: "small simple page (pip's Accept)",
  simple_304: "its 304 (If-None-Match)",
};

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
const errorsOf = (run: WrkRun) => Object.values(run.wrk.errors).reduce((sum, count) => sum + count, 0);
const rateOf = (run: WrkRun) => run.wrk.requests / (run.wrk.duration_us / 1e6);
/** CPU the server used per answer, in microseconds (clock ticks of 10 ms). */
const cpuPerRequest = (run: WrkRun) => (run.cpu.server_ticks * 10_000) / Math.max(1, run.wrk.requests);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
};

export function smallSection(directory: string): ReportSection | null {
  const file = (name: string) => path.join(directory, `${name}.json`);
  if (!fs.existsSync(file("small"))) return null;
  const read = <T>(name: string) => JSON.parse(fs.readFileSync(file(name), "utf8")) as T;
  const run = read<SmallRun>("small");
  const rounds = Array.from({ length: run.rounds }, (_, index) => index + 1);
  const results = run.kinds.split(" ").map((kind) => {
    const runsOf = (side: string) => rounds.map((round) => read<WrkRun>(`small-${kind}-${side}-${round}`));
    const granary = runsOf("granary");
    const bare = runsOf("bare");
    const nginx = runsOf("small_nginx");
    const clean = [...granary, ...bare, ...nginx].every((each) => errorsOf(each) === 0 && each.wrk.requests > 0);
    // Each round's ratio compares runs made seconds apart; the median of the rounds decides.
    const ratio = median(rounds.map((_, index) => rateOf(granary[index]!) / Math.max(1, rateOf(bare[index]!))));
    const others = median([...granary, ...bare, ...nginx].map((each) => (100 * each.cpu.others_ticks) / Math.max(1, each.cpu.total_ticks)));
    return {
      kind,
      clean,
      granary: median(granary.map(rateOf)),
      bare: median(bare.map(rateOf)),
      nginx: median(nginx.map(rateOf)),
      granaryCpu: median(granary.map(cpuPerRequest)),
      bareCpu: median(bare.map(cpuPerRequest)),
      granaryP99: median(granary.map((each) => each.wrk.latency_us.p99)),
      ratio,
      others,
      pass: clean && ratio >= smallTarget,
    };
  });
  const lines = [
    "## Small channel indexes (issue 16)",
    "",
    `${run.owner}'s channel: ${format(run.records)} noarch records, repodata.json ${format(run.repodata_gzip_bytes)} bytes gzip-encoded, ` +
      `channeldata.json ${format(run.channeldata_gzip_bytes)}, the simple page of ${run.project} ${format(run.simple_gzip_bytes)}. Granary's answers ` +
      "were captured with curl and sent as they are, with the same headers, by a bare node:http server (bench/bare-node.ts: writeHead and end, " +
      "nothing else) and by nginx (an exact location per path with add_header). " +
      `${run.rounds} round(s) of ${run.seconds} s per server and kind at ${run.connections} connections (wrk -t2; ab for HEAD, which wrk cannot measure), ` +
      "the servers' order turning from round to round; medians of the rounds, and the median of the rounds' Granary / bare ratios decides. " +
      "CPU per request is the server processes' user and system time over the requests answered.",
    "",
    "| Request | Granary req/s | bare node:http req/s | nginx req/s | Granary / bare | target | Granary CPU µs/req | bare CPU µs/req | Granary p99 ms | others' CPU | Result |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (result) =>
        `| ${kindTitles[result.kind] ?? result.kind} | ${format(result.granary)} | ${format(result.bare)} | ${format(result.nginx)} | ${format(result.ratio, 2)} | ` +
        `≥ ${smallTarget} | ${format(result.granaryCpu)} | ${format(result.bareCpu)} | ${format(result.granaryP99 / 1000, 2)} | ${format(result.others)}% | ` +
        `${result.clean ? verdict(result.pass) : "**FAIL** (errors)"} |`,
    ),
    "",
  ];
  return {
    summaryRows: results.map((result) => [
      `Small index: ${kindTitles[result.kind] ?? result.kind}`,
      `${format(result.granary)} req/s`,
      `bare node:http ${format(result.bare)} req/s (nginx ${format(result.nginx)})`,
      format(result.ratio, 2),
      `≥ ${smallTarget}`,
      verdict(result.pass),
    ]),
    lines,
    verdicts: Object.fromEntries(results.map((result) => [`small_${result.kind}`, result.pass])),
  };
}
