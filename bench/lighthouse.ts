/**
 * Lighthouse (mobile) scores of the home, a package and the dashboard pages (a section of bench/run.sh):
 *
 *   npx tsx bench/lighthouse.ts <granary-url> <login> <password> <results-dir> [runs]
 *
 * Debian's Chromium runs Lighthouse's default mobile emulation (a mid-range phone, throttled network and CPU).
 * The dashboard is scored signed in: Playwright signs in once and its session cookie goes with Lighthouse's
 * requests. The package is the first one on the owner's page. Each page is scored `runs` times (3) and the
 * median of each category is kept, as Lighthouse's own guidance suggests for its variance. Lighthouse runs as its
 * own command under plain Node: under tsx, the functions it sends to the page carry esbuild's `__name` helper,
 * which the page does not have.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";

const [baseUrl, login, password, resultsDirectory, runsArgument] =
  process.argv.slice(2);
if (!baseUrl || !login || !password || !resultsDirectory) {
  console.error(
    "usage: tsx bench/lighthouse.ts <granary-url> <login> <password> <results-dir> [runs]",
  );
  process.exit(2);
}
const runs = Number(runsArgument ?? 0) || 3;
const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (candidate) => fs.existsSync(candidate),
);
if (!chromiumPath) {
  console.error("Chromium is missing: apt-get install -y chromium");
  process.exit(1);
}
const categories = ["performance", "accessibility", "best-practices"] as const;

async function sessionAndPackage(): Promise<{
  cookie: string;
  packagePath: string;
}> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel("Username or e-mail").fill(login!);
    await page.getByLabel("Password").fill(password!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${baseUrl}/${encodeURIComponent(login!)}`);
    const href = await page
      .getByTestId("package-list")
      .getByRole("link")
      .first()
      .getAttribute("href");
    if (!href) throw new Error(`no package on /${login}`);
    const cookies = await page.context().cookies(baseUrl);
    return {
      cookie: cookies.map((entry) => `${entry.name}=${entry.value}`).join("; "),
      packagePath: href,
    };
  } finally {
    await browser.close();
  }
}

/**
 * Lighthouse sometimes loses a page load's trace on a busy machine (NO_NAVSTART) and asks to be run again: a failed
 * run is tried twice more before the measurement gives up.
 */
function runLighthouse(report: string, run: () => void) {
  for (let attempt = 1; ; attempt++) {
    try {
      run();
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      console.error(
        `[lighthouse] ${path.basename(report)}: attempt ${attempt} failed, trying again`,
      );
    }
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const { cookie, packagePath } = await sessionAndPackage();
  const pages = [
    { name: "home", path: "/", signedIn: false },
    { name: "package", path: packagePath, signedIn: false },
    { name: "dashboard", path: "/dashboard", signedIn: true },
  ];
  const lighthouseCli = createRequire(
    path.join(process.cwd(), "package.json"),
  ).resolve("lighthouse/cli/index.js");
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "granary-lighthouse-"));
  const results = [];
  for (const target of pages) {
    const scores: Record<string, number[]> = Object.fromEntries(
      categories.map((category) => [category, []]),
    );
    const failing = new Set<string>();
    for (let run = 0; run < runs; run++) {
      const report = path.join(scratch, `${target.name}-${run}.json`);
      runLighthouse(report, () =>
        execFileSync(
          process.execPath,
          [
            lighthouseCli,
            `${baseUrl}${target.path}`,
            "--quiet",
            "--output=json",
            `--output-path=${report}`,
            `--only-categories=${categories.join(",")}`,
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ...(target.signedIn
              ? [`--extra-headers=${JSON.stringify({ Cookie: cookie })}`]
              : []),
          ],
          {
            stdio: ["ignore", "ignore", "inherit"],
            env: { ...process.env, CHROME_PATH: chromiumPath },
          },
        ),
      );
      const lhr = JSON.parse(fs.readFileSync(report, "utf8")) as {
        finalDisplayedUrl?: string;
        categories: Record<string, { score: number | null } | undefined>;
        audits: Record<
          string,
          { id: string; score: number | null; scoreDisplayMode: string }
        >;
      };
      if (lhr.finalDisplayedUrl && !lhr.finalDisplayedUrl.endsWith(target.path))
        throw new Error(`${target.path} ended at ${lhr.finalDisplayedUrl}`);
      for (const category of categories)
        scores[category]!.push(
          Math.round((lhr.categories[category]?.score ?? 0) * 100),
        );
      for (const audit of Object.values(lhr.audits)) {
        if (
          audit.score !== null &&
          audit.score < 0.9 &&
          !["informative", "manual", "notApplicable"].includes(
            audit.scoreDisplayMode,
          )
        )
          failing.add(audit.id);
      }
    }
    results.push({
      page: target.name,
      path: target.path,
      performance: median(scores.performance!),
      accessibility: median(scores.accessibility!),
      best_practices: median(scores["best-practices"]!),
      runs,
      failing_audits: [...failing].sort(),
    });
    console.error(
      `[lighthouse] ${target.name}: ${JSON.stringify(results.at(-1))}`,
    );
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.writeFileSync(
    path.join(resultsDirectory!, "lighthouse.json"),
    JSON.stringify({ chromium: chromiumPath, pages: results }, null, 2),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
