/**
 * bench/report.ts's section for issue 16's second half (bench/run.sh's pages section): visitors' pages and two
 * signed-in ones on Granary, and the visitors' pages as captured sent by a bare node:http server in the same rounds
 * (the machine's floor for those bytes). The targets: each visitor page at least 300 requests/s with p99 under
 * 100 ms, the signed-in ones at least 150/s, by the medians of the rounds. Nothing when the section did not run.
 */
import fs from "node:fs";
import path from "node:path";
import type { ReportSection } from "./report-jobs";

interface WrkRun {
  name: string;
  cpu: { total_ticks: number; server_ticks: number; wrk_ticks: number; others_ticks: number };
  wrk: { requests: number; duration_us: number; errors: Record<string, number>; latency_us: { p50: number; p99: number } };
}

interface PagesRun {
  owner: string;
  package: string;
  connections: number;
  rounds: number;
  seconds: number;
  kinds: string;
}

const visitorTarget = { rate: 300, p99Milliseconds: 100 };
const signedInTarget = { rate: 150 };

const pageTitles: Record<string, string> = {
  home: "home (visitor)",
  search: "search ?q=lib (visitor)",
  owner: "owner's page (visitor)",
  package: "package's page (visitor)",
  terms: "terms (visitor)",
  sign_in: "sign-in (visitor)",
  dashboard_signed_in: "dashboard (signed in)",
  package_signed_in: "package's page (signed in)",
};

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
const errorsOf = (run: WrkRun) => Object.values(run.wrk.errors).reduce((sum, count) => sum + count, 0);
const rateOf = (run: WrkRun) => run.wrk.requests / (run.wrk.duration_us / 1e6);
/** CPU the server used per answer, in milliseconds (clock ticks of 10 ms). */
const cpuPerRequest = (run: WrkRun) => (run.cpu.server_ticks * 10) / Math.max(1, run.wrk.requests);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
};

export function pagesSection(directory: string): ReportSection | null {
  const file = (name: string) => path.join(directory, `${name}.json`);
  if (!fs.existsSync(file("pages"))) return null;
  const read = <T>(name: string) => JSON.parse(fs.readFileSync(file(name), "utf8")) as T;
  const run = read<PagesRun>("pages");
  const rounds = Array.from({ length: run.rounds }, (_, index) => index + 1);
  const results = run.kinds.split(" ").map((kind) => {
    const signedIn = kind.endsWith("_signed_in");
    const granary = rounds.map((round) => read<WrkRun>(`pages-${kind}-granary-${round}`));
    const bare = signedIn ? [] : rounds.map((round) => read<WrkRun>(`pages-${kind}-pages_bare-${round}`));
    const clean = [...granary, ...bare].every((each) => errorsOf(each) === 0 && each.wrk.requests > 0);
    const rate = median(granary.map(rateOf));
    const p99 = median(granary.map((each) => each.wrk.latency_us.p99)) / 1000;
    const pass = clean && (signedIn ? rate >= signedInTarget.rate : rate >= visitorTarget.rate && p99 < visitorTarget.p99Milliseconds);
    return {
      kind,
      signedIn,
      clean,
      rate,
      p50: median(granary.map((each) => each.wrk.latency_us.p50)) / 1000,
      p99,
      cpu: median(granary.map(cpuPerRequest)),
      bare: bare.length ? median(bare.map(rateOf)) : null,
      others: median([...granary, ...bare].map((each) => (100 * each.cpu.others_ticks) / Math.max(1, each.cpu.total_ticks))),
      pass,
    };
  });
  const target = (signedIn: boolean) => (signedIn ? `≥ ${signedInTarget.rate}/s` : `≥ ${visitorTarget.rate}/s, p99 < ${visitorTarget.p99Milliseconds} ms`);
  const lines = [
    "## Web pages (issue 16)",
    "",
    `The pages of ${run.owner} and its package ${run.package}, as a visitor without a session sees them and, signed in as the big channel's ` +
      `owner, the dashboard and the package's page. ${run.rounds} round(s) of ${run.seconds} s per page at ${run.connections} connections ` +
      "(wrk -t2), medians of the rounds; CPU per request is the server processes' (the launcher's and PostgreSQL's) user and system time over " +
      "the requests answered. The visitors' pages as Granary sent them were captured with curl and sent as they are by a bare node:http " +
      "server (bench/bare-node.ts) in the same rounds: the machine's floor for those bytes.",
    "",
    "| Page | Granary req/s | p50 ms | p99 ms | Granary CPU ms/req | bare node:http req/s | target | others' CPU | Result |",
    "|---|---|---|---|---|---|---|---|---|",
    ...results.map(
      (result) =>
        `| ${pageTitles[result.kind] ?? result.kind} | ${format(result.rate)} | ${format(result.p50, 1)} | ${format(result.p99, 1)} | ${format(result.cpu, 2)} | ` +
        `${result.bare === null ? "–" : format(result.bare)} | ${target(result.signedIn)} | ${format(result.others)}% | ${result.clean ? verdict(result.pass) : "**FAIL** (errors)"} |`,
    ),
    "",
  ];
  return {
    summaryRows: results.map((result) => [
      `Page: ${pageTitles[result.kind] ?? result.kind}`,
      `${format(result.rate)} req/s, p99 ${format(result.p99, 1)} ms`,
      result.bare === null ? "–" : `bare node:http ${format(result.bare)} req/s`,
      result.bare === null ? "–" : format(result.rate / Math.max(1, result.bare), 2),
      target(result.signedIn),
      verdict(result.pass),
    ]),
    lines,
    verdicts: Object.fromEntries(results.map((result) => [`pages_${result.kind}`, result.pass])),
  };
}
