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
}

type Side = "granary" | "nginx_sendfile" | "nginx_copy" | "page_anonymous" | "page_token" | "small_anonymous" | "small_token" | "verdaccio_token";

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
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
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

// Token checks: per round, each page's rate with the token over its rate anonymously, and the small page's rate
// with the token over Verdaccio's; the medians of those ratios decide.
const tokenMeta = read<TokenMeta>("token-meta");
const tokenRoundNumbers = Array.from({ length: tokenMeta.rounds }, (_, index) => index + 1);
const tokenRunsOf = (side: Side) => tokenRoundNumbers.map((round) => read<WrkRun>(`token-${side}-${round}`));
/** Database transactions during a token-comparison run (bench/run.sh counts them from pg_stat_database). */
const transactionsOf = (run: WrkRun) => Number(fs.readFileSync(path.join(resultsDirectory!, `${run.name}.transactions`), "utf8").trim());
const tokenRuns = {
  pageAnonymous: tokenRunsOf("page_anonymous"),
  pageToken: tokenRunsOf("page_token"),
  smallAnonymous: tokenRunsOf("small_anonymous"),
  smallToken: tokenRunsOf("small_token"),
  verdaccio: tokenRunsOf("verdaccio_token"),
};
const tokenRounds = tokenRoundNumbers.map((_, index) => {
  const rate = (runs: WrkRun[]) => requestsPerSecond(runs[index]!);
  return {
    page: rate(tokenRuns.pageToken) / rate(tokenRuns.pageAnonymous),
    small: rate(tokenRuns.smallToken) / rate(tokenRuns.smallAnonymous),
    verdaccio: rate(tokenRuns.smallToken) / rate(tokenRuns.verdaccio),
  };
});
const medianRate = (runs: WrkRun[]) => median(runs.map(requestsPerSecond));
const tokenSummary = {
  page: { anonymous: medianRate(tokenRuns.pageAnonymous), token: medianRate(tokenRuns.pageToken), ratio: median(tokenRounds.map((round) => round.page)) },
  small: { anonymous: medianRate(tokenRuns.smallAnonymous), token: medianRate(tokenRuns.smallToken), ratio: median(tokenRounds.map((round) => round.small)) },
  verdaccio: { rate: medianRate(tokenRuns.verdaccio), ratio: median(tokenRounds.map((round) => round.verdaccio)) },
};
const tokenAnonymousPass = tokenSummary.page.ratio >= 0.9 && clean([...tokenRuns.pageAnonymous, ...tokenRuns.pageToken]);
const tokenVerdaccioPass = tokenSummary.verdaccio.ratio >= 2 && clean([...tokenRuns.smallToken, ...tokenRuns.verdaccio]);

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
      `${format(tokenSummary.page.token)} req/s`,
      `${format(tokenSummary.page.anonymous)} req/s anonymously`,
      format(tokenSummary.page.ratio, 2),
      "≥ 0.90",
      verdict(tokenAnonymousPass),
    ],
    [
      "simple page of a one-file project, the same (the hardest case: authenticating is a large share of the work)",
      `${format(tokenSummary.small.token)} req/s`,
      `${format(tokenSummary.small.anonymous)} req/s anonymously`,
      format(tokenSummary.small.ratio, 2),
      "reported",
      "—",
    ],
    [
      "the one-file page with a token, against Verdaccio's metadata request for a one-version package with a token (Bearer JWT)",
      `${format(tokenSummary.small.token)} req/s`,
      `${format(tokenSummary.verdaccio.rate)} req/s Verdaccio`,
      format(tokenSummary.verdaccio.ratio, 2),
      "≥ 2.00",
      verdict(tokenVerdaccioPass),
    ],
  ],
);
lines.push(
  `Figures are medians over ${meta.rounds} alternating rounds (${tokenMeta.rounds} for the token comparison) of ${meta.duration_seconds} s; "nginx" is the faster of ` +
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
    "every revocation through a PostgreSQL notification; hashing the secret, the checks of expiry, scopes and " +
    "channel, and the use bookkeeping run on every request. Beside the small page, Verdaccio " +
    `${tokenMeta.verdaccio_version} (npm registry, Node, same machine, same wrk settings) answers the metadata of a ` +
    `one-version package (${format(tokenMeta.verdaccio_bytes)} bytes gzip-encoded) to a user's token ` +
    "(`Authorization: Bearer`); every package there needs a signed-in user, and its tokens are JWTs, its fastest " +
    `kind (legacy tokens re-check the password with bcrypt on each request). ${tokenMeta.rounds} rounds; in each, ` +
    "each page is measured anonymously and with the token, the two taking turns going first (ABBA), then Verdaccio. " +
    "\"database transactions\" counts what Granary's database committed during a run (pg_stat_database, read before " +
    "and after), so a token request that reached the database would show.",
  "",
);
table(
  ["Round", "Request", "req/s", "p50 ms", "p99 ms", "database transactions", "wrk errors", "machine busy before", "others' CPU during"],
  tokenRoundNumbers.flatMap((round, index) => {
    const entries: [string, WrkRun][] = [
      [`${meta.simple_files}-file page, anonymous`, tokenRuns.pageAnonymous[index]!],
      [`${meta.simple_files}-file page, token`, tokenRuns.pageToken[index]!],
      ["one-file page, anonymous", tokenRuns.smallAnonymous[index]!],
      ["one-file page, token", tokenRuns.smallToken[index]!],
      ["Verdaccio, token", tokenRuns.verdaccio[index]!],
    ];
    const ratios = tokenRounds[index]!;
    return [
      ...entries.map(([request, run]) => [
        String(round),
        request,
        format(requestsPerSecond(run)),
        format(run.wrk.latency_us.p50 / 1000, 2),
        format(p99Milliseconds(run), 2),
        request.startsWith("Verdaccio") ? "—" : `${format(transactionsOf(run))} for ${format(run.wrk.requests)} requests`,
        errorText(run),
        `${run.machine_busy_percent_before}%`,
        cpuNote(run),
      ]),
      [
        String(round),
        "**token / anonymous (500 files; one file); one-file token / Verdaccio**",
        `**${format(ratios.page, 2)}; ${format(ratios.small, 2)}; ${format(ratios.verdaccio, 2)}**`,
        "",
        "",
        "",
        "",
        "",
        "",
      ],
    ];
  }),
);

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
  "  - token checks: `wrk -t2 -c16 --latency` with pip's headers (Granary) or `Accept-Encoding: gzip` (Verdaccio)",
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
