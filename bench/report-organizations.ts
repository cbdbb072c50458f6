/**
 * bench/report.ts's section for issue 11's benchmark (bench/run.sh's organizations section): search, an
 * organization's listing and a private simple page at 10,000 organizations and 100,000 packages, as a member of
 * 100 groups, with a session, a token and anonymously; and that member's token on the organization's public simple
 * page against the same page anonymously. Nothing when the section did not run.
 */
import fs from "node:fs";
import path from "node:path";
import type { ReportSection } from "./report-jobs";
import type { OrganizationsSeed } from "./organizations";

interface WrkRun {
  name: string;
  args: string;
  machine_busy_percent_before: number;
  cpu: { total_ticks: number; server_ticks: number; wrk_ticks: number; others_ticks: number };
  wrk: {
    requests: number;
    bytes: number;
    duration_us: number;
    errors: Record<string, number>;
    latency_us: { mean: number; stdev: number; p50: number; p90: number; p95: number; p99: number; p999: number; max: number };
  };
}

interface OrganizationsRun {
  organization: string;
  member: string;
  private_page: string;
  public_page: string;
  private_page_bytes: number;
  public_page_bytes: number;
  listing_path: string;
  rounds: number;
  seconds: number;
  connections: number;
  kinds: string;
  token_rounds: number;
  token_seconds: number;
}

const latencyTarget = 50;
const ratioTarget = 0.9;

const kindTitles: Record<string, string> = {
  search_anonymous: "search, anonymously",
  search_session: "search, the member's session",
  search_token: "search, the member's token",
  listing_anonymous: "organization listing, anonymously",
  listing_session: "organization listing, the member's session",
  private_token: "private simple page, the member's token",
};

const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
};
const median = (values: number[]) => quantile(values, 0.5);
const milliseconds = (microseconds: number) => format(microseconds / 1000, 1);
const requestsPerSecond = (run: WrkRun) => run.wrk.requests / (run.wrk.duration_us / 1e6);
const errorsOf = (run: WrkRun) => Object.values(run.wrk.errors).reduce((sum, count) => sum + count, 0);
const othersPercent = (run: WrkRun) => (100 * run.cpu.others_ticks) / Math.max(1, run.cpu.total_ticks);
const errorText = (run: WrkRun) =>
  errorsOf(run) === 0 ? "0" : Object.entries(run.wrk.errors).filter(([, count]) => count > 0).map(([kind, count]) => `${count} ${kind}`).join(", ");

function table(lines: string[], header: string[], rows: string[][]) {
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`), "");
}

export function organizationsSection(directory: string): ReportSection | null {
  const file = (name: string) => path.join(directory, name);
  if (!fs.existsSync(file("organizations.json"))) return null;
  const read = <T>(name: string) => JSON.parse(fs.readFileSync(file(`${name}.json`), "utf8")) as T;
  const run = read<OrganizationsRun>("organizations");
  const seed = read<OrganizationsSeed>("organizations-seed");
  const kinds = run.kinds.split(" ");
  const roundNumbers = Array.from({ length: run.rounds }, (_, index) => index + 1);

  // Latencies: the worst round's p95 decides, as the simple page's p99 does in the protocols section.
  const latency = kinds.map((kind) => {
    const runs = roundNumbers.map((round) => read<WrkRun>(`orgs-${kind}-${round}`));
    const worst = (key: "p50" | "p95" | "p99") => Math.max(...runs.map((each) => each.wrk.latency_us[key]));
    const clean = runs.every((each) => errorsOf(each) === 0);
    return { kind, runs, clean, p50: worst("p50"), p95: worst("p95"), p99: worst("p99"), rate: median(runs.map(requestsPerSecond)), pass: clean && worst("p95") <= latencyTarget * 1000 };
  });

  // The token against anonymously: rounds of three back-to-back runs, the medians of the rounds' ratios decide.
  const tokenRounds = Array.from({ length: run.token_rounds }, (_, index) => index + 1);
  const orders = fs.readFileSync(file("token-org.orders"), "utf8").trim().split("\n");
  const perRound = tokenRounds.map((round, index) => {
    const [anonymous, token, control] = (["anonymous", "token", "control"] as const).map((kind) => read<WrkRun>(`token-org_${kind}-${round}`));
    return {
      round,
      order: orders[index] ?? "",
      runs: [anonymous!, token!, control!],
      anonymous: requestsPerSecond(anonymous!),
      token: requestsPerSecond(token!),
      control: requestsPerSecond(control!),
    };
  });
  const tokenRatios = perRound.map((round) => round.token / round.anonymous);
  const controlRatios = perRound.map((round) => round.control / round.anonymous);
  const ratio = median(tokenRatios);
  const ratioClean = perRound.every((round) => round.runs.every((each) => errorsOf(each) === 0));
  const ratioPass = ratioClean && ratio >= ratioTarget;
  const transactions = Number(fs.readFileSync(file("token-org.transactions"), "utf8").trim());
  const spread = (values: number[]) => `${format(quantile(values, 0.25), 2)}–${format(quantile(values, 0.75), 2)}`;

  const { counts, memberReach } = seed;
  const lines: string[] = [
    "## Organizations at scale (issue 11)",
    "",
    `bench/organizations.ts seeds, in SQL and the same every run: ${format(counts.organizations!)} organizations and ` +
      `${format(counts.people!)} people; ${format(counts.packages!)} packages in all (${format(counts.private_packages!)} private), ` +
      "90,000 of them the organizations' (300 each for the first 100, about 6 for the rest; 40% private), 10,000 people's " +
      `own (15% private); ${format(counts.files!)} wheels; ${format(counts.memberships!)} memberships; ${format(counts.groups!)} groups ` +
      `(${format(counts.group_memberships!)} group memberships, ${format(counts.group_packages!)} chosen packages); ` +
      `${format(counts.collaborators!)} collaborators. The member, \`${seed.member}\`, is in ${memberReach.groups} groups of ` +
      `${memberReach.organizations! - memberReach.owned_organizations!} organizations (${memberReach.groups_over_every_package} over every ` +
      `package, the others over five chosen private ones; ${memberReach.administration_groups} of them Administration, the rest ` +
      `Read-Only and Read-Write), owns ${memberReach.owned_organizations} organizations, collaborates on ` +
      `${memberReach.collaborations} packages elsewhere and has ${memberReach.own_packages} of its own. Seeded in ` +
      `${format(seed.seedMilliseconds / 1000, 1)} s, after the other sections ran.`,
    "",
    `The requests, as the web pages and pip make them: the search box's tRPC query (\`GET /api/trpc/packages.search\`, ` +
      `25 a page) with the terms ${seed.searchTerms.map((term) => `"${term}"`).join(", ")} in turn (each matches more than the ` +
      "1,000 packages a search counts, so each answers \"1,000+\"); the profile page's listing of " +
      `\`${run.organization}\` (\`packages.listByOwner\`, 300 packages, 25 a page); and pip's request for ` +
      `\`${run.private_page}\` (${seed.privateProjectFiles} wheels, ${format(run.private_page_bytes)} bytes gzip-encoded), a private ` +
      "package the member reaches through its groups. The member asks with its browser session (signed in through the " +
      "sign-in form's mutation; every request re-checks the session in the database) or with an access token (scope " +
      "`repos`, created with the granary CLI: `Authorization: Bearer` for the API, Basic `__token__` for pip). " +
      `wrk -t2 -c${run.connections} --latency: ${run.connections} connections that each send the next request as soon as the ` +
      `answer arrives; ${run.rounds} rounds of ${run.seconds} s, each kind of request once per round, each round starting one ` +
      "kind later. The target is on the worst round's p95.",
    "",
  ];
  table(
    lines,
    ["Request", "req/s (median)", "p50 ms", "p95 ms", "p99 ms", "wrk errors", "Result"],
    latency.map((entry) => [
      kindTitles[entry.kind] ?? entry.kind,
      format(entry.rate),
      milliseconds(entry.p50),
      `**${milliseconds(entry.p95)}**`,
      milliseconds(entry.p99),
      entry.runs.map(errorText).join("; "),
      verdict(entry.pass),
    ]),
  );
  lines.push("Each round:", "");
  table(
    lines,
    ["Request", "Round", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "machine busy before", "others' CPU during"],
    latency.flatMap((entry) =>
      entry.runs.map((each, index) => [
        kindTitles[entry.kind] ?? entry.kind,
        String(index + 1),
        format(requestsPerSecond(each)),
        milliseconds(each.wrk.latency_us.p50),
        milliseconds(each.wrk.latency_us.p90),
        milliseconds(each.wrk.latency_us.p95),
        milliseconds(each.wrk.latency_us.p99),
        milliseconds(each.wrk.latency_us.max),
        `${each.machine_busy_percent_before}%`,
        `${format(othersPercent(each))}%`,
      ]),
    ),
  );
  lines.push(
    `### The member's token on \`${run.public_page}\``,
    "",
    `A public package of \`${run.organization}\` (${seed.publicProjectFiles} wheels, ${format(run.public_page_bytes)} bytes ` +
      "gzip-encoded), asked for with pip's headers anonymously, with the member's token, and with a control header of the " +
      "token header's length that nothing reads, as in the token checks: the member's remembered token is checked and " +
      "the policy asked, and a public project's page being the same to every reader of the channel, it is then sent " +
      `the visitor's copy. ${run.token_rounds} rounds of three ${run.token_seconds}-second runs, wrk -t2 -c16, the order ` +
      "cycling through all six permutations; the medians of the rounds' ratios decide.",
    "",
  );
  table(
    lines,
    ["Round", "Order", "anonymous req/s", "token req/s", "control req/s", "token / anonymous", "control / anonymous", "p99 ms (anonymous, token)", "wrk errors", "most others' CPU during"],
    perRound.map((round, index) => {
      const busiest = round.runs.reduce((worst, each) => (othersPercent(each) > othersPercent(worst) ? each : worst));
      return [
        String(round.round),
        round.order.replaceAll(" ", ", "),
        format(round.anonymous),
        format(round.token),
        format(round.control),
        `**${format(tokenRatios[index]!, 2)}**`,
        format(controlRatios[index]!, 2),
        `${milliseconds(round.runs[0]!.wrk.latency_us.p99)}, ${milliseconds(round.runs[1]!.wrk.latency_us.p99)}`,
        round.runs.every((each) => errorsOf(each) === 0) ? "0" : round.runs.map(errorText).join("; "),
        `${format(othersPercent(busiest))}%`,
      ];
    }),
  );
  lines.push(
    `Median of the rounds: token / anonymous **${format(ratio, 2)}** (middle half of rounds ${spread(tokenRatios)}), control / ` +
      `anonymous ${format(median(controlRatios), 2)} (${spread(controlRatios)}). Database transactions during these rounds: ` +
      `${format(transactions)}.`,
    "",
  );

  const latencyRow = (entry: (typeof latency)[number]) => [
    `${kindTitles[entry.kind] ?? entry.kind} (10,000 organizations, 100,000 packages, a member of 100 groups), wrk -t2 -c${run.connections}: p95`,
    `${milliseconds(entry.p95)} ms (p50 ${milliseconds(entry.p50)}, p99 ${milliseconds(entry.p99)})`,
    "—",
    "—",
    `≤ ${latencyTarget} ms`,
    verdict(entry.pass),
  ];
  return {
    summaryRows: [
      ...latency.map(latencyRow),
      [
        `simple page of an organization's public package with a member's token (Basic \`__token__\`), wrk -t2 -c16: rate against the same request anonymously`,
        `${format(median(perRound.map((round) => round.token)))} req/s`,
        `${format(median(perRound.map((round) => round.anonymous)))} req/s anonymously`,
        `${format(ratio, 2)} (middle half of rounds ${spread(tokenRatios)}; control ${format(median(controlRatios), 2)})`,
        `≥ ${format(ratioTarget, 2)}`,
        verdict(ratioPass),
      ],
    ],
    lines,
    verdicts: {
      ...Object.fromEntries(latency.map((entry) => [`organizations${entry.kind.replace(/(^|_)(\w)/g, (_, __, letter: string) => letter.toUpperCase())}P95`, entry.pass])),
      organizationTokenVersusAnonymous: ratioPass,
    },
  };
}
