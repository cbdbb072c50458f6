/**
 * Turns the measurements bench/run.sh left in its results folder into bench/RESULTS.md:
 *
 *   tsx bench/report.ts <results-dir> <output.md>
 *
 * Every comparison uses figures from the same tool, the same settings and the same run. Rounds alternate the
 * servers, so each round's ratio compares runs made under the same conditions; the verdict uses the median of the
 * rounds' ratios. A wrk run with socket errors or non-2xx answers makes its target fail rather than count.
 */
import fs from "node:fs";
import path from "node:path";

interface WrkSummary {
  requests: number;
  bytes: number;
  duration_us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { mean: number; stdev: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

interface WrkRun {
  name: string;
  args: string;
  machine_busy_percent_before: number;
  cpu: { total_ticks: number; server_ticks: number; wrk_ticks: number; others_ticks: number };
  wrk: WrkSummary;
}

interface UploadRun {
  name: string;
  http_status: number;
  seconds: number;
  bytes_per_second: number;
  baseline_kb: number;
  peak_sampled_kb: number;
  vm_hwm_kb: number;
  after_2s_kb: number;
  samples: number;
  machine_busy_percent_before: number;
}

interface ColdRepodata {
  first_seconds: number;
  cached_seconds: number;
  regeneration_seconds: number[];
  gzip_bytes: number;
  identity_bytes: number;
  records: number;
}

interface Meta {
  date: string;
  cpu: string;
  cores: number;
  memory_mb: number;
  os: string;
  kernel: string;
  node: string;
  next: string;
  nginx: string;
  wrk: string;
  postgres: string;
  granary_commit: string;
  /** "worktree", or the git revision that was exported and built. */
  granary_source: string;
  granary_uncommitted_files: number;
  granary_built_during_run: number;
  /** The scheduling priority the run and everything it started had. */
  niceness: number;
  duration_seconds: number;
  warmup_seconds: number;
  rounds: number;
  conda_file: string;
  conda_file_bytes: number;
  wheel_file: string;
  wheel_file_bytes: number;
  simple_project: string;
  simple_files: number;
  granary_rss_end_kb: number;
}

interface TokenMeta {
  /** The one-file project (the small page). */
  project: string;
  /** Gzip-encoded bytes of the small page and of Verdaccio's metadata document. */
  granary_bytes: number;
  verdaccio_bytes: number;
  verdaccio_version: string;
  rounds: number;
  /** Length of each run of the token comparison. */
  seconds: number;
}

type Side = "granary" | "nginx_sendfile" | "nginx_copy";

const [resultsDirectory, outputFile] = process.argv.slice(2);
if (!resultsDirectory || !outputFile) {
  console.error("usage: tsx bench/report.ts <results-dir> <output.md>");
  process.exit(2);
}

function read<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(resultsDirectory!, `${name}.json`), "utf8")) as T;
}

const meta = read<Meta>("meta");
const rounds = Array.from({ length: meta.rounds }, (_, index) => index + 1);
const runsOf = (comparison: string, side: Side) => rounds.map((round) => read<WrkRun>(`${comparison}-${side}-${round}`));

const seconds = (run: WrkRun) => run.wrk.duration_us / 1e6;
const requestsPerSecond = (run: WrkRun) => run.wrk.requests / seconds(run);
const megabytesPerSecond = (run: WrkRun) => run.wrk.bytes / seconds(run) / 1e6;
const p99Milliseconds = (run: WrkRun) => run.wrk.latency_us.p99 / 1000;
const errorsOf = (run: WrkRun) => Object.values(run.wrk.errors).reduce((sum, count) => sum + count, 0);
const othersPercent = (run: WrkRun) => (100 * run.cpu.others_ticks) / Math.max(1, run.cpu.total_ticks);
/** Runs during which other processes took more than this share of the machine are flagged. */
const disturbedPercent = 10;
/** The q-quantile (0..1) of the values, interpolating between the nearest two; q = 0.5 is the median. */
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
};
const median = (values: number[]) => quantile(values, 0.5);
const format = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (pass: boolean) => (pass ? "**PASS**" : "**FAIL**");
const clean = (runs: WrkRun[]) => runs.every((run) => errorsOf(run) === 0);
const cpuNote = (run: WrkRun) => `${format(othersPercent(run))}%${othersPercent(run) > disturbedPercent ? " ⚠" : ""}`;
const errorText = (run: WrkRun) =>
  errorsOf(run) === 0 ? "0" : Object.entries(run.wrk.errors).filter(([, count]) => count > 0).map(([kind, count]) => `${count} ${kind}`).join(", ");

// ---------------------------------------------------------------------------------------------- comparisons
interface Comparison {
  granary: WrkRun[];
  nginxSendfile: WrkRun[];
  nginxCopy: WrkRun[] | null;
  figure: (run: WrkRun) => number;
}

function loadComparison(name: string, withCopy: boolean, figure: (run: WrkRun) => number): Comparison {
  return { granary: runsOf(name, "granary"), nginxSendfile: runsOf(name, "nginx_sendfile"), nginxCopy: withCopy ? runsOf(name, "nginx_copy") : null, figure };
}

/** Per round: Granary's figure, nginx's best figure of the round, and their ratio. */
function roundFigures(comparison: Comparison) {
  return rounds.map((_, index) => {
    const granary = comparison.figure(comparison.granary[index]!);
    const nginxSendfile = comparison.figure(comparison.nginxSendfile[index]!);
    const nginxCopy = comparison.nginxCopy ? comparison.figure(comparison.nginxCopy[index]!) : null;
    const nginx = Math.max(nginxSendfile, nginxCopy ?? 0);
    return { granary, nginxSendfile, nginxCopy, nginx, ratio: granary / nginx };
  });
}

function summarize(comparison: Comparison, minimumRatio: number) {
  const perRound = roundFigures(comparison);
  const all = [...comparison.granary, ...comparison.nginxSendfile, ...(comparison.nginxCopy ?? [])];
  const ratio = median(perRound.map((round) => round.ratio));
  return {
    perRound,
    granary: median(perRound.map((round) => round.granary)),
    nginx: median(perRound.map((round) => round.nginx)),
    ratio,
    clean: clean(all),
    pass: ratio >= minimumRatio && clean(all),
  };
}

const repodata = loadComparison("repodata", true, requestsPerSecond);
const download = loadComparison("download", true, megabytesPerSecond);
const simple = loadComparison("simple", false, requestsPerSecond);
const repodataSummary = summarize(repodata, 0.5);
const downloadSummary = summarize(download, 0.8);

const cold = read<ColdRepodata>("repodata-cold");
const coldPass = cold.first_seconds < 2;

const firstLogin = read<UploadRun>("first-authenticated-request");
const uploads = [read<UploadRun>("upload-conda"), read<UploadRun>("upload-twine")];
const growthMegabytes = (upload: UploadRun) => ((Math.max(upload.vm_hwm_kb, upload.peak_sampled_kb) - upload.baseline_kb) * 1024) / 1e6;
const uploadPass = (upload: UploadRun) => growthMegabytes(upload) < 50 && (upload.http_status === 200 || upload.http_status === 201);

// The worst round counts for the latency target.
const simpleGranaryP99 = Math.max(...simple.granary.map(p99Milliseconds));
const simpleNginxP99 = Math.max(...simple.nginxSendfile.map(p99Milliseconds));
const simplePass = simpleGranaryP99 < 50 && clean(simple.granary);

// Token checks: in each round a page was asked for anonymously, with the token and with a control header of the
// same length that nothing reads, back to back; per round, the token's rate and the control's over the anonymous
// rate, and (beside the small page) the token's rate over Verdaccio's. The medians of those ratios decide.
const tokenMeta = read<TokenMeta>("token-meta");
const tokenRoundNumbers = Array.from({ length: tokenMeta.rounds }, (_, index) => index + 1);
const resultText = (file: string) => fs.readFileSync(path.join(resultsDirectory!, file), "utf8").trim();

function tokenSeries(series: "page" | "small") {
  const runsOfKind = (kind: "anonymous" | "token" | "control") => tokenRoundNumbers.map((round) => read<WrkRun>(`token-${series}_${kind}-${round}`));
  const runs = { anonymous: runsOfKind("anonymous"), token: runsOfKind("token"), control: runsOfKind("control") };
  const orders = resultText(`token-${series}.orders`).split("\n");
  const perRound = tokenRoundNumbers.map((_, index) => {
    const anonymous = requestsPerSecond(runs.anonymous[index]!);
    const token = requestsPerSecond(runs.token[index]!);
    const control = requestsPerSecond(runs.control[index]!);
    return { order: orders[index]!, anonymous, token, control, tokenRatio: token / anonymous, controlRatio: control / anonymous };
  });
  const tokenRatios = perRound.map((round) => round.tokenRatio);
  const controlRatios = perRound.map((round) => round.controlRatio);
  return {
    runs,
    perRound,
    anonymous: median(perRound.map((round) => round.anonymous)),
    token: median(perRound.map((round) => round.token)),
    ratio: median(tokenRatios),
    /** The middle half of the rounds' token ratios. */
    ratioSpread: [quantile(tokenRatios, 0.25), quantile(tokenRatios, 0.75)] as const,
    controlRatio: median(controlRatios),
    controlSpread: [quantile(controlRatios, 0.25), quantile(controlRatios, 0.75)] as const,
    /** What the database committed during all of the series' rounds (bench/run.sh reads pg_stat_database). */
    transactions: Number(resultText(`token-${series}.transactions`)),
    requests: [...runs.anonymous, ...runs.token, ...runs.control].reduce((sum, run) => sum + run.wrk.requests, 0),
    tokenRequests: runs.token.reduce((sum, run) => sum + run.wrk.requests, 0),
    clean: clean([...runs.anonymous, ...runs.token, ...runs.control]),
  };
}

const pageTokens = tokenSeries("page");
const smallTokens = tokenSeries("small");
const verdaccioRuns = tokenRoundNumbers.map((round) => read<WrkRun>(`token-verdaccio_token-${round}`));
const verdaccioRatios = tokenRoundNumbers.map((_, index) => smallTokens.perRound[index]!.token / requestsPerSecond(verdaccioRuns[index]!));
const verdaccioSummary = { rate: median(verdaccioRuns.map(requestsPerSecond)), ratio: median(verdaccioRatios) };
const tokenAnonymousPass = pageTokens.ratio >= 0.9 && pageTokens.clean;
const tokenVerdaccioPass = verdaccioSummary.ratio >= 2 && clean([...smallTokens.runs.token, ...verdaccioRuns]);
const spread = ([low, high]: readonly [number, number]) => `${format(low, 2)}–${format(high, 2)}`;

// ---------------------------------------------------------------------------------------------- markdown
const lines: string[] = [];
const table = (header: string[], rows: string[][]) => {
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`), "");
};

function detailTable(comparison: Comparison, unit: string, digits: number) {
  const perRound = roundFigures(comparison);
  const rows: string[][] = [];
  rounds.forEach((round, index) => {
    const entries: [string, WrkRun, number][] = [
      ["Granary", comparison.granary[index]!, perRound[index]!.granary],
      ["nginx, sendfile on", comparison.nginxSendfile[index]!, perRound[index]!.nginxSendfile],
    ];
    if (comparison.nginxCopy) entries.push(["nginx, sendfile off", comparison.nginxCopy[index]!, perRound[index]!.nginxCopy!]);
    for (const [server, run, figure] of entries) {
      rows.push([
        String(round),
        server,
        `${format(figure, digits)} ${unit}`,
        format(run.wrk.latency_us.p50 / 1000, 2),
        format(p99Milliseconds(run), 2),
        errorText(run),
        `${run.machine_busy_percent_before}%`,
        cpuNote(run),
      ]);
    }
    if (comparison.nginxCopy) {
      rows.push([String(round), "**Granary / best nginx**", `**${format(perRound[index]!.ratio, 2)}**`, "", "", "", "", ""]);
    }
  });
  table(["Round", "Server", "Figure", "p50 ms", "p99 ms", "wrk errors", "machine busy before", "others' CPU during"], rows);
}

lines.push(
  "# Granary benchmark results",
  "",
  `Generated by \`bash bench/run.sh\` on ${meta.date}, measuring Granary ` +
    (meta.granary_source !== "worktree"
      ? `${meta.granary_commit} (\`${meta.granary_source}\`, exported from git and built on its own). `
      : `in the working tree at ${meta.granary_commit}${meta.granary_uncommitted_files ? ` with ${meta.granary_uncommitted_files} uncommitted changes` : ""}. `) +
    "Do not edit by hand: rerun the script.",
  "",
  "## Summary",
  "",
);
table(
  ["Measurement", "Granary", "Reference", "Granary / reference", "Target", "Result"],
  [
    [
      "`repodata.json` (gzip, 10,000 records), wrk -t2 -c16",
      `${format(repodataSummary.granary)} req/s`,
      `${format(repodataSummary.nginx)} req/s`,
      format(repodataSummary.ratio, 2),
      "≥ 0.50",
      verdict(repodataSummary.pass),
    ],
    ["`repodata.json` first generation (cold process, cold cache)", `${format(cold.first_seconds * 1000)} ms`, "—", "—", "< 2,000 ms", verdict(coldPass)],
    [
      "100 MiB download, wrk -t1 -c4",
      `${format(downloadSummary.granary)} MB/s`,
      `${format(downloadSummary.nginx)} MB/s`,
      format(downloadSummary.ratio, 2),
      "≥ 0.80",
      verdict(downloadSummary.pass),
    ],
    ...uploads.map((upload) => [
      `100 MiB upload, ${upload.name === "upload-conda" ? "conda upload API" : "twine legacy API"}: server RSS growth`,
      `${format(growthMegabytes(upload), 1)} MB`,
      "—",
      "—",
      "< 50 MB",
      verdict(uploadPass(upload)),
    ]),
    [
      `simple page (${meta.simple_files} files), wrk -t2 -c16: p99 latency`,
      `${format(simpleGranaryP99, 1)} ms`,
      `${format(simpleNginxP99, 1)} ms`,
      format(simpleGranaryP99 / simpleNginxP99, 1),
      "< 50 ms",
      verdict(simplePass),
    ],
    [
      `simple page (${meta.simple_files} files) with a token (Basic \`__token__\`), wrk -t2 -c16: rate against the same request anonymously`,
      `${format(pageTokens.token)} req/s`,
      `${format(pageTokens.anonymous)} req/s anonymously`,
      `${format(pageTokens.ratio, 2)} (middle half of rounds ${spread(pageTokens.ratioSpread)})`,
      "≥ 0.90",
      verdict(tokenAnonymousPass),
    ],
    [
      "the same page with a control header of the token's length that nothing reads (the bigger request alone, and the measurement's resolution)",
      `${format(median(pageTokens.perRound.map((round) => round.control)))} req/s`,
      `${format(pageTokens.anonymous)} req/s anonymously`,
      `${format(pageTokens.controlRatio, 2)} (${spread(pageTokens.controlSpread)})`,
      "reported",
      "—",
    ],
    [
      "simple page of a one-file project with a token, against anonymously (the hardest case: authenticating is a large share of the work)",
      `${format(smallTokens.token)} req/s`,
      `${format(smallTokens.anonymous)} req/s anonymously`,
      `${format(smallTokens.ratio, 2)} (${spread(smallTokens.ratioSpread)}; control ${format(smallTokens.controlRatio, 2)})`,
      "reported",
      "—",
    ],
    [
      "the one-file page with a token, against Verdaccio's metadata request for a one-version package with a token (Bearer JWT)",
      `${format(smallTokens.token)} req/s`,
      `${format(verdaccioSummary.rate)} req/s Verdaccio`,
      format(verdaccioSummary.ratio, 2),
      "≥ 2.00",
      verdict(tokenVerdaccioPass),
    ],
  ],
);
lines.push(
  `Figures are medians over ${meta.rounds} alternating rounds of ${meta.duration_seconds} s (${tokenMeta.rounds} rounds of ${tokenMeta.seconds} s for the token comparisons); "nginx" is the faster of ` +
    "its two configurations in each round (sendfile on / off, see Setup), and the ratio is the median of the rounds' " +
    "ratios. The p99 is the worst round's. MB = 10^6 bytes. \"others' CPU during\" is the share of the machine's CPU " +
    `taken during a run by processes other than wrk and the server measured (⚠ above ${disturbedPercent}%: other work on ` +
    "this machine disturbed that run).",
  "",
  "## repodata.json (gzip)",
  "",
  `\`GET /bench/linux-64/repodata.json\` with \`Accept-Encoding: gzip\`: ${format(cold.records)} records, ` +
    `${format(cold.identity_bytes)} bytes of JSON, ${format(cold.gzip_bytes)} bytes gzip-encoded. nginx serves the very bytes ` +
    "Granary sent (saved from Granary's answer and compared byte for byte with nginx's before measuring) as a " +
    "pre-compressed `repodata.json.gz` with `gzip_static on`. Neither server compresses per request (Granary keeps " +
    "the gzip body of each built index in memory), which is the fair comparison: gzip on the fly would only slow " +
    "nginx down.",
  "",
);
detailTable(repodata, "req/s", 0);
lines.push(
  "First generation, timed with curl (`time_total`, gzip):",
  "",
  "- the first request after start (cold process: first database connections, first run of the code path; empty " +
    `index cache): **${format(cold.first_seconds * 1000)} ms**`,
  `- the next request (cached): ${format(cold.cached_seconds * 1000, 1)} ms`,
  "- a cold cache in a warm process (the channel revision moved in the database, as after any upload), three " +
    `times: ${cold.regeneration_seconds.map((value) => `${format(value * 1000)} ms`).join(", ")}`,
  "",
  "## 100 MiB download",
  "",
  `\`GET /bench/noarch/${meta.conda_file}\` (${format(meta.conda_file_bytes)} bytes, uploaded through the API just ` +
    "before) from Granary's blob store; nginx serves a copy of the same bytes from disk. Both copies sit in the page " +
    "cache, and every server's download was checked against the file's sha256 first. wrk counts bytes as they " +
    "arrive, so responses still in flight when a run ends count too.",
  "",
);
detailTable(download, "MB/s", 0);

lines.push(
  "## 100 MiB uploads: server memory",
  "",
  "The launcher's process (Next and the protocol handler in one Node process) is sampled from `/proc/<pid>/status` " +
    "every 10 ms during the upload (VmRSS), and the kernel's own peak (VmHWM, reset through `/proc/<pid>/clear_refs` " +
    "just before) catches anything between samples. Growth = the larger peak minus the RSS just before. " +
    `The conda package is ${format(meta.conda_file_bytes)} bytes (a valid \`.conda\` whose payload is 100 MiB of random ` +
    `bytes, built with Debian's conda-package-handling); the wheel is ${format(meta.wheel_file_bytes)} bytes (stored, ` +
    "the same kind of payload). Both are parsed and published (201 / 200 checked). A small authenticated request " +
    "goes first, so the process's first password check (argon2id allocates 19 MiB while it verifies) is recorded " +
    "on its own rather than charged to the upload.",
  "",
);
table(
  ["Request", "HTTP", "RSS before", "peak (VmHWM)", "peak (sampled)", "growth", "2 s after", "time", "rate", "machine busy before"],
  [firstLogin, ...uploads].map((upload) => [
    upload.name === "upload-conda"
      ? "conda API: `POST /api/channels/bench/upload/<file>?sha256=…`, raw body"
      : upload.name === "upload-twine"
        ? "twine legacy API: `POST /bench/pypi/legacy/`, multipart"
        : "first authenticated request (Basic, a 404 for a missing file)",
    String(upload.http_status),
    `${format(upload.baseline_kb / 1024, 1)} MiB`,
    `${format(upload.vm_hwm_kb / 1024, 1)} MiB`,
    `${format(upload.peak_sampled_kb / 1024, 1)} MiB (${upload.samples} samples)`,
    `**${format(growthMegabytes(upload), 1)} MB**`,
    `${format(upload.after_2s_kb / 1024, 1)} MiB`,
    `${format(upload.seconds, 2)} s`,
    upload.name.startsWith("upload") ? `${format(upload.bytes_per_second / 1e6)} MB/s` : "—",
    `${upload.machine_busy_percent_before}%`,
  ]),
);

lines.push(
  "## Simple page",
  "",
  `\`GET /bench/simple/${meta.simple_project}/\` (${meta.simple_files} wheels and sdists) with pip's headers ` +
    "(`Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01`, " +
    "`Accept-Encoding: gzip, deflate`): the PEP 691 JSON page, gzip-encoded. nginx serves the same bytes with " +
    "`gzip_static` for reference; the target is Granary's own p99.",
  "",
);
detailTable(simple, "req/s", 0);
table(
  ["Latency (ms)", ...rounds.flatMap((round) => [`Granary r${round}`, `nginx r${round}`])],
  (["p50", "p90", "p99", "p999", "max"] as const).map((key) => [
    key,
    ...rounds.flatMap((_, index) => [
      format(simple.granary[index]!.wrk.latency_us[key] / 1000, 2),
      format(simple.nginxSendfile[index]!.wrk.latency_us[key] / 1000, 2),
    ]),
  ]),
);

lines.push(
  "## Token checks",
  "",
  "Each page is asked for with pip's headers, anonymously and with an access token created through the `granary` " +
    "CLI (scope `pypi:download`), sent the way pip sends a token from its index URL: Basic credentials with the user " +
    "name `__token__`. The pages: the 500-file project's simple page measured above (the target), and that of the " +
    `one-file project the twine upload published, \`/bench/simple/${tokenMeta.project}/\` (${format(tokenMeta.granary_bytes)} ` +
    "bytes gzip-encoded), where the answer is so small that authenticating is a large share of each request. Once " +
    "verified, a token is checked from the launcher's memory (src/server/services/token-cache.ts), which hears of " +
    "every revocation through a PostgreSQL notification; decoding the header, hashing the secret, the checks of " +
    "account, revocation, expiry, scopes and channel, and the use bookkeeping run on every request. Beside the small " +
    `page, Verdaccio ${tokenMeta.verdaccio_version} (npm registry, Node, same machine, same wrk settings) answers the ` +
    `metadata of a one-version package (${format(tokenMeta.verdaccio_bytes)} bytes gzip-encoded) to a user's token ` +
    "(`Authorization: Bearer`); every package there needs a signed-in user, and its tokens are JWTs, its fastest " +
    "kind (legacy tokens re-check the password with bcrypt on each request).",
  "",
  "A token check costs a few microseconds of a request's 60–100, and the same request's rate drifts by more than " +
    "that between consecutive runs on this shared machine. So each page is measured in " +
    `${tokenMeta.rounds} rounds of three ${tokenMeta.seconds}-second runs back to back: anonymously, with the token, and ` +
    "with a control header of exactly the token header's length (`X-Bench-Blank: Basic <random>`) that Granary never " +
    "reads. The order cycles through all six permutations, so a drift favours none; each round's ratios compare runs " +
    "seconds apart, and the medians of the rounds' ratios decide. The control's ratio to anonymous shows what the " +
    "bigger request costs without any check, and how far apart two measurements of the same work land.",
  "",
);

function tokenTable(series: ReturnType<typeof tokenSeries>, withVerdaccio: boolean) {
  const header = ["Round", "Order", "anonymous req/s", "token req/s", "control req/s", "token / anonymous", "control / anonymous"];
  if (withVerdaccio) header.push("Verdaccio req/s", "token / Verdaccio");
  header.push("p99 ms (anonymous, token)", "wrk errors", "most others' CPU during");
  const rows = tokenRoundNumbers.map((round, index) => {
    const figures = series.perRound[index]!;
    const runs = [series.runs.anonymous[index]!, series.runs.token[index]!, series.runs.control[index]!];
    if (withVerdaccio) runs.push(verdaccioRuns[index]!);
    const busiest = runs.reduce((worst, run) => (othersPercent(run) > othersPercent(worst) ? run : worst));
    const row = [
      String(round),
      figures.order.replaceAll(" ", ", "),
      format(figures.anonymous),
      format(figures.token),
      format(figures.control),
      `**${format(figures.tokenRatio, 2)}**`,
      format(figures.controlRatio, 2),
    ];
    if (withVerdaccio) row.push(format(requestsPerSecond(verdaccioRuns[index]!)), format(verdaccioRatios[index]!, 2));
    row.push(
      `${format(p99Milliseconds(series.runs.anonymous[index]!), 2)}, ${format(p99Milliseconds(series.runs.token[index]!), 2)}`,
      runs.every((run) => errorsOf(run) === 0) ? "0" : runs.map(errorText).join("; "),
      cpuNote(busiest),
    );
    return row;
  });
  table(header, rows);
  lines.push(
    `Median of the rounds: token / anonymous **${format(series.ratio, 2)}** (middle half of rounds ${spread(series.ratioSpread)}), ` +
      `control / anonymous ${format(series.controlRatio, 2)} (${spread(series.controlSpread)}). Database transactions ` +
      `during these rounds: ${format(series.transactions)}, for ${format(series.requests)} requests of which ` +
      `${format(series.tokenRequests)} carried the token (the rest is the channel revision, re-read once a second): token ` +
      "requests make no database round trip.",
    "",
  );
}

lines.push(`### The ${meta.simple_files}-file page (the target)`, "");
tokenTable(pageTokens, false);
lines.push("### The one-file page, and Verdaccio", "");
tokenTable(smallTokens, true);

lines.push(
  "## Setup",
  "",
  `- Machine: ${meta.cpu}, ${meta.cores} cores, ${format(meta.memory_mb)} MB RAM; ${meta.os}, Linux ${meta.kernel}.`,
  `- **The load tool and the servers share the ${meta.cores} cores** (wrk, Node, PostgreSQL and nginx on one machine, ` +
    "loopback only): compare figures within this run only, not with other machines or tools. Other work on the " +
    `machine competes too: everything the run starts gets the same priority (nice ${meta.niceness}), and before each ` +
    "measurement the script waits up to 10 s for the machine to fall under 25% busy; the CPU taken by other " +
    "processes during each run is recorded (\"others' CPU during\").",
  `- Tool: ${meta.wrk} (closed loop: each connection sends its next request when the previous answer is complete, ` +
    `so latencies are those of a saturated server). Per comparison: ${meta.warmup_seconds} s of warm-up against each ` +
    `server, then ${meta.rounds} rounds (Granary, nginx sendfile on, nginx sendfile off, then again) of ` +
    `${meta.duration_seconds} s with the same settings:`,
  "  - repodata: `wrk -t2 -c16 --latency -H 'Accept-Encoding: gzip'`",
  "  - simple page: `wrk -t2 -c16 --latency` with pip's `Accept` and `Accept-Encoding` (against nginx sendfile on only)",
  "  - download: `wrk -t1 -c4 --timeout 60s`",
  `  - token checks: \`wrk -t2 -c16 --latency\` with pip's headers (Granary) or \`Accept-Encoding: gzip\` (Verdaccio), ${tokenMeta.seconds} s per run`,
  `- Granary: \`npm start\` (the launcher, Next ${meta.next} and the protocol handler in one Node ${meta.node} process, ` +
    `HOSTNAME=127.0.0.1) on an embedded PostgreSQL ${meta.postgres} seeded by bench/seed.ts: one owner (\`bench\`) ` +
    "with 10,000 conda files of 500 packages in linux-64 (index.json metadata as uploads store it: depends, " +
    "constrains, license, build strings, timestamps, about; `.conda` and `.tar.bz2`), each labelled `main`, and one " +
    "PyPI project of 500 files (100 versions × 4 wheels + 1 sdist, with core metadata, its sha256 and " +
    `requires-python). ${meta.granary_built_during_run ? "The launcher built the app at start." : "The existing build was current."} ` +
    `RSS at the end of the run: ${format(meta.granary_rss_end_kb / 1024)} MiB.`,
  `- nginx ${meta.nginx}: its own config in a temporary folder, \`worker_processes auto\` (one worker per core), ` +
    "`access_log off`, `gzip off` + `gzip_static on`, `tcp_nopush on`, `keepalive_requests 1000000`; two servers on " +
    "two ports, one with Debian's default `sendfile on`, one with `sendfile off` (read + write), since either can be " +
    "the faster on a given kernel for loopback clients.",
  "",
  "## Rerun",
  "",
  "```sh",
  "bash bench/run.sh                                    # writes bench/RESULTS.md",
  "BENCH_DURATION=20 BENCH_ROUNDS=5 bash bench/run.sh   # longer, steadier",
  "BENCH_TOKEN_ROUNDS=24 bash bench/run.sh             # more rounds of the token comparisons",
  "BENCH_KEEP=1 bash bench/run.sh                       # keep logs and wrk reports (the temporary folder)",
  "```",
  "",
);

// Observations written by hand after a run (what the figures mean, problems found) follow the generated part.
const notesFile = path.join(__dirname, "NOTES.md");
if (fs.existsSync(notesFile)) lines.push(fs.readFileSync(notesFile, "utf8").trim(), "");

fs.writeFileSync(outputFile, lines.join("\n"));
console.log(
  JSON.stringify({
    repodata: repodataSummary.pass,
    coldGeneration: coldPass,
    download: downloadSummary.pass,
    uploadConda: uploadPass(uploads[0]!),
    uploadTwine: uploadPass(uploads[1]!),
    simpleP99: simplePass,
    tokenVersusAnonymous: tokenAnonymousPass,
    tokenVersusVerdaccio: tokenVerdaccioPass,
  }),
);
