/**
 * Lighthouse (mobile) scores of the home, a package and the dashboard pages (a section of bench/run.sh):
 *
 *   npx tsx bench/lighthouse.ts <granary-url> <login> <password> <results-dir> [runs]
 *
 * Debian's Chromium runs Lighthouse's default mobile emulation (a mid-range phone, throttled network and CPU).
 * The dashboard is scored signed in: Playwright signs in once and its session cookie goes with Lighthouse's
 * requests. The package is the first one on the owner's page. Each page is scored `runs` times (3) and the
 * median of each category is kept, as Lighthouse's own guidance suggests for its variance.
 */
import fs from "node:fs";
import path from "node:path";
import { launch } from "chrome-launcher";
import lighthouse from "lighthouse";
import { chromium } from "@playwright/test";

const [baseUrl, login, password, resultsDirectory, runsArgument] = process.argv.slice(2);
if (!baseUrl || !login || !password || !resultsDirectory) {
  console.error("usage: tsx bench/lighthouse.ts <granary-url> <login> <password> <results-dir> [runs]");
  process.exit(2);
}
const runs = Number(runsArgument ?? 0) || 3;
const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((candidate) => fs.existsSync(candidate));
if (!chromiumPath) {
  console.error("Chromium is missing: apt-get install -y chromium");
  process.exit(1);
}
const categories = ["performance", "accessibility", "best-practices"] as const;

async function sessionAndPackage(): Promise<{ cookie: string; packagePath: string }> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel("Username or e-mail").fill(login!);
    await page.getByLabel("Password").fill(password!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.goto(`${baseUrl}/${encodeURIComponent(login!)}`);
    const href = await page.getByTestId("package-list").getByRole("link").first().getAttribute("href");
    if (!href) throw new Error(`no package on /${login}`);
    const cookies = await page.context().cookies(baseUrl);
    return { cookie: cookies.map((entry) => `${entry.name}=${entry.value}`).join("; "), packagePath: href };
  } finally {
    await browser.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  const { cookie, packagePath } = await sessionAndPackage();
  const pages = [
    { name: "home", path: "/", signedIn: false },
    { name: "package", path: packagePath, signedIn: false },
    { name: "dashboard", path: "/dashboard", signedIn: true },
  ];
  const chrome = await launch({ chromePath: chromiumPath, chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu"] });
  const results = [];
  try {
    for (const target of pages) {
      const scores: Record<string, number[]> = Object.fromEntries(categories.map((category) => [category, []]));
      const failing = new Set<string>();
      for (let run = 0; run < runs; run++) {
        const answer = await lighthouse(`${baseUrl}${target.path}`, {
          port: chrome.port,
          output: "json",
          logLevel: "error",
          onlyCategories: [...categories],
          extraHeaders: target.signedIn ? { Cookie: cookie } : undefined,
        });
        const lhr = answer?.lhr;
        if (!lhr) throw new Error(`Lighthouse gave no result for ${target.path}`);
        if (lhr.finalDisplayedUrl && !lhr.finalDisplayedUrl.endsWith(target.path)) throw new Error(`${target.path} ended at ${lhr.finalDisplayedUrl}`);
        for (const category of categories) scores[category]!.push(Math.round((lhr.categories[category]?.score ?? 0) * 100));
        for (const audit of Object.values(lhr.audits)) if (audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== "informative") failing.add(audit.id);
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
      console.error(`[lighthouse] ${target.name}: ${JSON.stringify(results.at(-1))}`);
    }
  } finally {
    chrome.kill();
  }
  fs.writeFileSync(path.join(resultsDirectory!, "lighthouse.json"), JSON.stringify({ chromium: chromiumPath, pages: results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
