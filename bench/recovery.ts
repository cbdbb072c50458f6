/**
 * "I forgot my password / username" must answer in the same time whether or not the account exists (a section of
 * bench/run.sh):
 *
 *   npx tsx bench/recovery.ts <granary-url> <login> <email> <results-dir> [rounds]
 *
 * Each form's tRPC mutation is sent for an existing account, for an unknown one, and for a second unknown one (the
 * control: the same work as the unknown one, so its difference is what the measurement cannot tell apart). Requests
 * go one at a time on one kept-alive connection, the three kinds interleaved in every order in turn, with a pause
 * between requests so that the mail an existing account's request queues is delivered by the server's worker before
 * the next request is timed (the request itself is what an attacker can time). Each request is timed from sending to
 * the last byte of the answer.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const [baseUrl, login, email, resultsDirectory, roundsArgument] = process.argv.slice(2);
if (!baseUrl || !login || !email || !resultsDirectory) {
  console.error("usage: tsx bench/recovery.ts <granary-url> <login> <email> <results-dir> [rounds]");
  process.exit(2);
}
const rounds = Number(roundsArgument ?? 0) || 300;
const warmUpRounds = 30;
const pauseMs = 20;

/** Unknown names of the existing one's length, so that nothing but existence differs. */
function unknownLike(known: string, marker: string): string {
  return marker + known.slice(marker.length);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(pathname: string, body: string): Promise<{ status: number; ms: number }> {
  const url = new URL(pathname, baseUrl);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (response) => {
        response.on("data", () => {});
        response.on("end", () => resolve({ status: response.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

const orders = [
  ["existing", "unknown", "control"],
  ["unknown", "control", "existing"],
  ["control", "existing", "unknown"],
  ["existing", "control", "unknown"],
  ["control", "unknown", "existing"],
  ["unknown", "existing", "control"],
] as const;
type Kind = (typeof orders)[number][number];

const median = (values: number[]) => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** A deterministic generator, so that the bootstrap is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4_294_967_296;
  };
}

/** The 95% bootstrap interval of median(a) - median(b). */
function medianDifferenceInterval(a: number[], b: number[]): [number, number] {
  const next = random(20_261_201);
  const resample = (values: number[]) => values.map(() => values[Math.floor(next() * values.length)]!);
  const differences = Array.from({ length: 2000 }, () => median(resample(a)) - median(resample(b)));
  return [quantile(differences, 0.025), quantile(differences, 0.975)];
}

async function measure(name: string, pathname: string, field: "login" | "email", known: string) {
  const values: Record<Kind, string> = { existing: known, unknown: unknownLike(known, "zq"), control: unknownLike(known, "zx") };
  const samples: Record<Kind, number[]> = { existing: [], unknown: [], control: [] };
  for (let round = 0; round < warmUpRounds + rounds; round++) {
    for (const kind of orders[round % orders.length]!) {
      const { status, ms } = await post(pathname, JSON.stringify({ json: { [field]: values[kind] } }));
      if (status !== 200) throw new Error(`${name} for the ${kind} account answered ${status}`);
      if (round >= warmUpRounds) samples[kind].push(ms);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  const medians = { existing: median(samples.existing), unknown: median(samples.unknown), control: median(samples.control) };
  const existingInterval = medianDifferenceInterval(samples.existing, samples.unknown);
  const controlInterval = medianDifferenceInterval(samples.control, samples.unknown);
  const noise = Math.max(Math.abs(controlInterval[0]), Math.abs(controlInterval[1]));
  const summary = {
    name,
    requests_per_kind: rounds,
    medians_ms: medians,
    quartiles_ms: Object.fromEntries((Object.keys(samples) as Kind[]).map((kind) => [kind, [quantile(samples[kind], 0.25), quantile(samples[kind], 0.75)]])),
    existing_minus_unknown_ms: medians.existing - medians.unknown,
    existing_minus_unknown_interval_ms: existingInterval,
    control_minus_unknown_ms: medians.control - medians.unknown,
    control_minus_unknown_interval_ms: controlInterval,
    /** What two identical kinds of request differ by at most, at 95%: the measurement's resolution. */
    noise_ms: noise,
    within_noise: Math.abs(medians.existing - medians.unknown) <= noise,
  };
  console.error(
    `[bench recovery] ${name}: existing ${medians.existing.toFixed(2)} ms, unknown ${medians.unknown.toFixed(2)} ms, control ${medians.control.toFixed(2)} ms; ` +
      `existing - unknown ${(medians.existing - medians.unknown).toFixed(3)} ms, noise ±${noise.toFixed(3)} ms`,
  );
  return { summary, samples };
}

async function main() {
  const password = await measure("forgot password", "/api/trpc/account.requestPasswordReset", "login", login!);
  const username = await measure("forgot username", "/api/trpc/account.remindUsername", "email", email!);
  fs.writeFileSync(
    path.join(resultsDirectory!, "recovery.json"),
    `${JSON.stringify({ pause_ms: pauseMs, warm_up_rounds: warmUpRounds, password: password.summary, username: username.summary }, null, 2)}\n`,
  );
  fs.writeFileSync(path.join(resultsDirectory!, "recovery-samples.json"), JSON.stringify({ password: password.samples, username: username.samples }));
  agent.destroy();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
