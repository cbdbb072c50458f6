/**
 * The soak and fault benchmark (issue 17; bench/run.sh's soak section): minutes of mixed load at 50 connections
 * with a PostgreSQL restart in the middle.
 *
 *   npx tsx bench/soak.ts <granary-url> <launcher-pid> <work-dir> <results-dir> <owner> <token> <project>
 *
 * One wrk process per kind of request runs for the whole time, all at once: index reads (repodata.json and the
 * simple page, as conda and pip ask for them), downloads (a notebook uploaded here first), uploads (notebooks, with
 * force, over a fixed set of names), pages (the home and a package page, through Next) and tRPC calls (search and an
 * owner's listing). wrk counts every answer's status, and the ones other than 200/201 by the second
 * (bench/wrk-soak.lua). Halfway through, `bench/database.ts restart` stops PostgreSQL (fast shutdown), keeps it
 * down for BENCH_SOAK_OUTAGE_SECONDS and starts it again. The launcher's RSS is sampled every second.
 *
 * Uploads get one connection: two uploads to one owner at once can deadlock on the owner's row in PostgreSQL (a
 * separate problem), which would blur what this measures: how Granary rides out its database going away.
 *
 * Settings: BENCH_SOAK_MINUTES (10; fractions allowed, e.g. 1 for a check), BENCH_SOAK_WARMUP_SECONDS of mixed load
 * before the measured run (30), BENCH_SOAK_OUTAGE_SECONDS (5), BENCH_SOAK_RECOVERY_SECONDS after PostgreSQL accepts
 * connections again within which errors still count as the restart's (10).
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const [baseUrl, launcherPidArgument, workDirectory, resultsDirectory, owner, token, project] = process.argv.slice(2);
if (!baseUrl || !launcherPidArgument || !workDirectory || !resultsDirectory || !owner || !token || !project) {
  console.error("usage: tsx bench/soak.ts <granary-url> <launcher-pid> <work-dir> <results-dir> <owner> <token> <project>");
  process.exit(2);
}
const launcherPid = Number(launcherPidArgument);
const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? "");
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const durationSeconds = Math.round(setting("BENCH_SOAK_MINUTES", 10) * 60);
const warmUpSeconds = setting("BENCH_SOAK_WARMUP_SECONDS", 30);
const outageSeconds = setting("BENCH_SOAK_OUTAGE_SECONDS", 5);
const recoverySeconds = setting("BENCH_SOAK_RECOVERY_SECONDS", 10);
const bench = __dirname;
const tsx = path.join(bench, "..", "node_modules", ".bin", "tsx");
const soakDirectory = path.join(workDirectory, "soak");
fs.mkdirSync(soakDirectory, { recursive: true });

const log = (message: string) => console.error(`[bench soak ${new Date().toISOString().slice(11, 19)}] ${message}`);

interface Kind {
  kind: string;
  title: string;
  connections: number;
  paths: string[];
  headers: string[];
  method?: "POST";
  bodyFile?: string;
}

const pipAccept = "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
const trpc = (name: string, input: unknown) => `/api/trpc/${name}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

function notebook(bytes: number): Buffer {
  const cells = [{ cell_type: "markdown", metadata: {}, source: ["# Soak\n", `${randomBytes(Math.ceil((bytes * 3) / 4)).toString("base64")}\n`] }];
  return Buffer.from(JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
}

async function upload(filename: string, bytes: Buffer): Promise<void> {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const response = await fetch(`${baseUrl}/api/channels/${owner}/upload/${filename}?sha256=${sha256}&force=1`, {
    method: "POST",
    headers: { "X-API-Key": token!, "Content-Type": "application/octet-stream" },
    body: new Uint8Array(bytes),
  });
  if (response.status !== 201) throw new Error(`uploading ${filename} answered ${response.status}: ${await response.text()}`);
}

async function prepareKinds(): Promise<Kind[]> {
  const download = notebook(256 * 1024);
  await upload("soak-download.ipynb", download);
  const uploadBody = notebook(16 * 1024);
  const uploadFile = path.join(soakDirectory, "upload.ipynb");
  fs.writeFileSync(uploadFile, uploadBody);
  const uploadSha256 = createHash("sha256").update(uploadBody).digest("hex");
  const writePaths = (kind: string, paths: string[]) => {
    fs.writeFileSync(path.join(soakDirectory, `${kind}.paths`), `${paths.join("\n")}\n`);
    return paths;
  };
  return [
    {
      kind: "index",
      title: "Index reads (repodata.json, simple page)",
      connections: 13,
      paths: writePaths("index", [`/${owner}/linux-64/repodata.json`, `/${owner}/simple/${project}/`]),
      headers: ["Accept-Encoding: gzip", pipAccept],
    },
    { kind: "download", title: "Downloads (256 KiB notebook)", connections: 12, paths: writePaths("download", [`/${owner}/files/notebooks/soak-download.ipynb`]), headers: [] },
    {
      kind: "upload",
      title: "Uploads (16 KiB notebook, force)",
      connections: 1,
      paths: writePaths(
        "upload",
        Array.from({ length: 20 }, (_, index) => `/api/channels/${owner}/upload/soak-upload-${index}.ipynb?sha256=${uploadSha256}&force=1`),
      ),
      headers: [`X-API-Key: ${token}`, "Content-Type: application/octet-stream"],
      method: "POST",
      bodyFile: uploadFile,
    },
    { kind: "page", title: "Pages (home, package page)", connections: 12, paths: writePaths("page", ["/", `/${owner}/${project}`]), headers: [] },
    {
      kind: "trpc",
      title: "tRPC calls (search, an owner's listing)",
      connections: 12,
      paths: writePaths("trpc", [
        trpc("packages.search", { query: "bench", kind: "all", page: 1, pageSize: 25 }),
        trpc("packages.listByOwner", { owner, kind: "all", page: 1, pageSize: 25 }),
      ]),
      headers: [],
    },
  ];
}

interface WrkSummary {
  requests: number;
  duration_us: number;
  errors: Record<string, number>;
  latency_us: { p50: number; p90: number; p99: number; max: number };
  statuses: Record<string, number>;
  failures_by_second: Record<string, number>;
}

function runWrk(kind: Kind, seconds: number, name: string): Promise<WrkSummary> {
  const args = ["-s", path.join(bench, "wrk-soak.lua"), `-t${Math.min(2, kind.connections)}`, `-c${kind.connections}`, `-d${seconds}s`, "--latency", "--timeout", "30s"];
  for (const header of kind.headers) args.push("-H", header);
  args.push(baseUrl!);
  const environment = {
    ...process.env,
    SOAK_PATHS: path.join(soakDirectory, `${kind.kind}.paths`),
    SOAK_METHOD: kind.method ?? "GET",
    SOAK_BODY_FILE: kind.bodyFile ?? "",
  };
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { env: environment, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (name) fs.writeFileSync(path.join(resultsDirectory!, `${name}.txt`), output.replace(/X-API-Key: \S+/g, "X-API-Key: <secret>"));
      const line = output.split("\n").find((text) => text.startsWith("WRK_JSON "));
      if (code !== 0 || !line) reject(new Error(`wrk for ${kind.kind} exited with ${code}: ${output.slice(-500)}`));
      else resolve(JSON.parse(line.slice("WRK_JSON ".length)) as WrkSummary);
    });
  });
}

const rssKilobytes = () => Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${launcherPid}/status`, "utf8"))?.[1] ?? 0);

function restartPostgres(): Promise<{ stop_requested_at: number; stopped_at: number; started_at: number; ready_at: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [path.join(bench, "database.ts"), "restart", workDirectory!, String(outageSeconds)], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(output.trim().split("\n").pop()!)) : reject(new Error(`restarting PostgreSQL failed (${code})`))));
  });
}

async function main() {
  const kinds = await prepareKinds();
  const connections = kinds.reduce((sum, kind) => sum + kind.connections, 0);
  log(`warming up: ${warmUpSeconds} s of the mixed load at ${connections} connections`);
  await Promise.all(kinds.map((kind) => runWrk(kind, warmUpSeconds, "")));

  const samples: { at: number; rss_kb: number }[] = [];
  const sample = () => samples.push({ at: Date.now(), rss_kb: rssKilobytes() });
  sample();
  const startedAt = Date.now();
  log(`soak: ${durationSeconds} s at ${connections} connections; PostgreSQL restarts after ${Math.round(durationSeconds / 2)} s, down for ${outageSeconds} s`);
  const sampler = setInterval(sample, 1000);
  const runs = Promise.all(kinds.map((kind) => runWrk(kind, durationSeconds, `soak-${kind.kind}`)));
  await new Promise((resolve) => setTimeout(resolve, (durationSeconds / 2) * 1000));
  log("restarting PostgreSQL");
  const restart = await restartPostgres();
  log(`PostgreSQL was down for ${((restart.ready_at - restart.stopped_at) / 1000).toFixed(1)} s and accepts connections again`);
  const summaries = await runs;
  clearInterval(sampler);
  sample();
  const endedAt = Date.now();
  // The same figure a little later, once the last requests' garbage is collectable: growth is what stays.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const settledRss = rssKilobytes();

  const result = {
    duration_seconds: durationSeconds,
    warm_up_seconds: warmUpSeconds,
    outage_seconds: outageSeconds,
    recovery_seconds: recoverySeconds,
    connections,
    started_at: startedAt,
    ended_at: endedAt,
    restart,
    rss_kb: { start: samples[0]!.rss_kb, end: samples.at(-1)!.rss_kb, settled: settledRss, max: Math.max(...samples.map((entry) => entry.rss_kb)) },
    rss_samples: samples,
    kinds: kinds.map((kind, index) => ({ kind: kind.kind, title: kind.title, connections: kind.connections, wrk: summaries[index]! })),
  };
  fs.writeFileSync(path.join(resultsDirectory!, "soak.json"), `${JSON.stringify(result, null, 2)}\n`);
  for (const { kind, wrk } of result.kinds) {
    log(`  ${kind}: ${wrk.requests} requests, p50 ${(wrk.latency_us.p50 / 1000).toFixed(1)} ms, p99 ${(wrk.latency_us.p99 / 1000).toFixed(1)} ms, statuses ${JSON.stringify(wrk.statuses)}, socket errors ${JSON.stringify(wrk.errors)}`);
  }
  log(`  launcher RSS ${result.rss_kb.start} kB at the start, ${result.rss_kb.end} kB at the end (${result.rss_kb.settled} kB 5 s later), at most ${result.rss_kb.max} kB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
